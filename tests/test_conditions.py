"""Tags, text and embedding conditions; the acgan and two_head discriminator designs."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_cgan import ConditionalGAN, EmbeddingCondition, TagsCondition, TextCondition, conditions, networks
from keras_cgan.data import captions, synthetic_faces, synthetic_shapes, tags
from keras_cgan.metrics import attribute_accuracy, caption_accuracy, diversity, tag_face_accuracy
from tests.test_case import assert_config_roundtrip, assert_keras_roundtrip

SHAPE, LATENT = (8, 8, 3), 6
TAGS = TagsCondition(["red hair", "blue hair", "red eyes", "blue eyes"])
TEXT = TextCondition(vocabulary_size=12, sequence_length=5)
EMBED = EmbeddingCondition(7)


def conditions_for(kind, n=16, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "tags":
        return TAGS, TAGS.encode([[f"{'red' if i % 2 else 'blue'} hair", f"{'red' if i % 3 else 'blue'} eyes"]
                                  for i in range(n)])
    if kind == "text":
        return TEXT, rng.integers(1, 12, (n, 5)).astype("int32")
    return EMBED, rng.standard_normal((n, 7)).astype("float32")


def make_gan(kind, conditioning, **kwargs):
    condition, _ = conditions_for(kind)
    g = networks.conditional_generator(SHAPE, condition=condition, latent_dim=LATENT, base_filters=8)
    d = networks.conditional_discriminator(SHAPE, condition=condition, conditioning=conditioning, base_filters=8)
    return ConditionalGAN(g, d, condition=condition, seed=1, **kwargs)


def images(n=16):
    return np.random.default_rng(1).uniform(-1, 1, (n,) + SHAPE).astype("float32")


def draw_for(n):
    seeds = iter(range(1000))
    return lambda sampler, shape, **kw: sampler((n,) + tuple(shape), seed=[next(seeds), 0], **kw)


# --------------------------------------------------------------- wrong conditions


def test_wrong_tags_always_differ_and_come_from_the_batch():
    true = TAGS.encode([["red hair", "red eyes"]] * 30 + [["blue hair", "blue eyes"]] * 2)
    wrong = TAGS.wrong(tf.constant(true), draw_for(32)).numpy()
    assert not np.any(np.all(wrong == true, axis=1))
    assert {tuple(r) for r in wrong[:30]} == {tuple(true[-1])}  # the only other set in the batch
    same = TAGS.encode([["red hair", "red eyes"]] * 8)  # no other set: one tag flipped
    flipped = TAGS.wrong(tf.constant(same), draw_for(8)).numpy()
    np.testing.assert_array_equal(np.abs(flipped - same).sum(1), 1)


def test_closest_wrong_tags_share_the_most_tags_the_batch_allows():
    shapes, colours = ["square", "disk", "cross"], ["red", "blue", "green"]
    tags = TagsCondition(shapes + colours, mismatch="closest")
    rng = np.random.default_rng(0)
    true = tags.encode([[shapes[a], colours[b]] for a, b in rng.integers(0, 3, (32, 2))])
    for draw in (draw_for(32), lambda sampler, shape, **kw: sampler((32,) + tuple(shape), seed=[7, 7], **kw)):
        wrong = tags.wrong(tf.constant(true), draw).numpy()
        # every pair differs in exactly one tag group: the discriminator must check both
        np.testing.assert_array_equal((wrong * true).sum(1), 1)
    plain = TagsCondition(shapes + colours).wrong(tf.constant(true), draw_for(32)).numpy()
    assert np.mean((plain * true).sum(1) == 0) > 0.2  # the default pairs also differ in both
    # closeness counts agreement, not shared tags: a large set is not everyone's partner
    big = tags.encode([["square", "red"], ["square", "blue"], ["square", "red", "disk", "cross", "green"]])
    wrong = tags.wrong(tf.constant(big), draw_for(3)).numpy()
    np.testing.assert_array_equal(wrong[0], big[1])
    assert TagsCondition.from_config(tags.get_config()).mismatch == "closest"
    with pytest.raises(ValueError, match="mismatch"):
        TagsCondition(shapes, mismatch="nearest")


def test_tags_decode_one_row_or_a_batch_and_refuse_an_unordered_vocabulary():
    row = TAGS.encode([["blue hair", "blue eyes"]])[0]
    assert TAGS.decode(row) == ["blue hair", "blue eyes"]
    assert TAGS.decode(np.stack([row, 1 - row])) == [["blue hair", "blue eyes"], ["red hair", "red eyes"]]
    with pytest.raises(ValueError, match=r"`multi_hot` must be \[N, 4\] or \[4\].*\(3,\)"):
        TAGS.decode(np.ones(3))
    with pytest.raises(ValueError, match="ordered list.*sorted"):
        TagsCondition({"red hair", "blue hair"})


def test_wrong_captions_are_other_captions_never_the_true_one():
    ids = np.array([[1, 2, 0], [1, 2, 0], [3, 4, 0], [1, 2, 0], [5, 0, 0]], "int32")
    condition = TextCondition(6, 3)
    for _ in range(5):
        wrong, valid = condition.wrong(tf.constant(ids), draw_for(5))
        wrong = wrong.numpy()
        assert valid.numpy().all()
        assert not np.any(np.all(wrong == ids, axis=1))
        assert all(any(np.array_equal(w, row) for row in ids) for w in wrong)
    _, valid = condition.wrong(tf.constant(np.repeat(ids[:1], 4, 0)), draw_for(4))
    assert not valid.numpy().any()  # one caption in the whole batch: nothing to mismatch


def test_batch_of_one_caption_drops_the_mismatch_term():
    gan = make_gan("text", "projection")
    gan.compile()
    ids = np.repeat(conditions_for("text", 8)[1][:1], 8, 0)
    _, parts = gan.discriminator_objective(gan.prepare_condition(ids), tf.constant(images(8)), gan(ids), False)
    assert float(parts["d_mismatch"]) == 0.0


# ------------------------------------------------------------------ designs


def test_design_is_read_off_the_discriminator():
    assert make_gan("tags", "concat").design == "single"
    assert make_gan("tags", "acgan").design == "acgan"
    assert make_gan("tags", "tacgan").design == "tacgan"
    assert make_gan("tags", "concat_acgan").design == "acgan"
    assert make_gan("text", "two_head").design == "two_head"
    assert make_gan("tags", "projection", design="single").design == "single"


@pytest.mark.parametrize(
    "kind,design,loss",
    [("tags", "acgan", "hinge"), ("tags", "two_head", "wgan-gp"), ("text", "two_head", "bce"),
     ("text", "concat", "lsgan"), ("embedding", "projection", "bce"), ("tags", "acgan", "wgan-gp"),
     ("text", "acgan", "bce"), ("tags", "tacgan", "bce"), ("tags", "concat_acgan", "bce")],
)
def test_every_design_trains_with_mismatch_and_any_loss(kind, design, loss):
    gan = make_gan(kind, design)
    gan.compile(adversarial_loss=loss)
    _, c = conditions_for(kind)
    history = gan.fit(c, images(), batch_size=8, epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values())
    expected = {"single": set(), "acgan": {"d_aux", "g_aux"}, "two_head": {"d_match", "g_match"},
                "tacgan": {"d_aux", "d_twin", "g_aux", "g_twin"}}[gan.design]
    assert expected | {"d_mismatch"} <= set(history)
    assert ("d_penalty" in history) == (loss == "wgan-gp")


@pytest.mark.parametrize("pooling", ["flatten", "max_avg"])
def test_concat_acgan_classifies_from_the_image_alone(pooling):
    d = networks.conditional_discriminator(
        SHAPE, condition=TAGS, conditioning="concat_acgan", base_filters=8, classifier_pooling=pooling
    )
    x = images(4)
    _, c = conditions_for("tags", 4)
    logit, classes = d([x, c])
    other_logit, other_classes = d([x, 1.0 - c])
    np.testing.assert_allclose(classes, other_classes, atol=1e-6)  # the class head never sees c
    assert not np.allclose(logit, other_logit)  # the realism logit does


@pytest.mark.parametrize("pooling", ["flatten", "max_avg"])
def test_a_pooled_classifier_weighs_features_not_places(pooling):
    """`max_avg` gives the class head one weight per feature whatever the image size; `flatten` one per place."""
    widths = []
    for side in (12, 16):  # two blocks each: 3x3 and 4x4 maps
        d = networks.conditional_discriminator(
            (side, side, 3), condition=TAGS, conditioning="concat_acgan", base_filters=8, classifier_pooling=pooling
        )
        widths.append(d.get_layer("classes").kernel.shape[0])
        _, classes = d([np.zeros((1, side, side, 3), "float32"), conditions_for("tags", 1)[1]])
        assert classes.shape == (1, TAGS.num_labels)
    assert (widths[0] == widths[1]) == (pooling == "max_avg"), widths


def test_an_unknown_classifier_pooling_is_refused_by_name():
    with pytest.raises(ValueError, match="classifier_pooling.*'mean'"):
        networks.conditional_discriminator(SHAPE, condition=TAGS, conditioning="concat_acgan", classifier_pooling="mean")


def _constant_discriminator(condition, outputs):
    """D whose heads return fixed logits whatever the input (for losses worked by hand)."""
    image = keras.Input(SHAPE)
    c = keras.Input(condition.input_shape, dtype=condition.dtype)
    zero = keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")(keras.layers.Flatten()(image))
    heads = [keras.layers.Dense(w, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(v))(zero)
             for w, v in outputs]
    return keras.Model([image, c], heads)


def _softplus(x):
    return float(np.log1p(np.exp(x)))


def test_two_head_scores_real_with_wrong_condition_as_real_but_mismatched():
    g = networks.conditional_generator(SHAPE, condition=TAGS, latent_dim=LATENT, base_filters=8)
    a, b = 0.5, -1.0
    gan = ConditionalGAN(g, _constant_discriminator(TAGS, [(1, a), (1, b)]), condition=TAGS)
    gan.compile()
    _, c = conditions_for("tags", 8)
    _, parts = gan.discriminator_objective(gan.prepare_condition(c), tf.constant(images(8)), gan(c), False)
    np.testing.assert_allclose(float(parts["d_real"]), _softplus(-a), rtol=1e-5)  # real|c and real|wrong: real
    np.testing.assert_allclose(float(parts["d_fake"]), _softplus(a), rtol=1e-5)
    np.testing.assert_allclose(float(parts["d_match"]), _softplus(-b) + _softplus(b), rtol=1e-5)
    np.testing.assert_allclose(float(parts["d_mismatch"]), _softplus(b), rtol=1e-5)  # real|wrong: mismatch


def test_acgan_adds_the_class_loss_on_real_and_fake():
    g = networks.conditional_generator(SHAPE, num_classes=5, latent_dim=LATENT, base_filters=8)
    gan = ConditionalGAN(g, _constant_discriminator(keras_cgan_class(5), [(1, 0.0), (5, 0.0)]), condition=5,
                         auxiliary_weight=0.5)
    gan.compile()
    labels = np.arange(8) % 5
    loss, parts = gan.discriminator_objective(gan.prepare_condition(labels), tf.constant(images(8)), gan(labels), False)
    np.testing.assert_allclose(float(parts["d_aux"]), 2 * np.log(5), rtol=1e-5)  # uniform logits, real + fake
    expected = float(parts["d_real"] + parts["d_fake"] + parts["d_mismatch"]) + 0.5 * 2 * np.log(5)
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)
    _, g_parts = gan.generator_objective(gan.prepare_condition(labels), None, gan(labels), False)
    np.testing.assert_allclose(float(g_parts["g_aux"]), np.log(5), rtol=1e-5)
    # auxiliary_on_fake=False: D's classifier learns from real images only; G's loss is unchanged.
    gan.auxiliary_on_fake = False
    _, parts = gan.discriminator_objective(gan.prepare_condition(labels), tf.constant(images(8)), gan(labels), False)
    np.testing.assert_allclose(float(parts["d_aux"]), np.log(5), rtol=1e-5)
    assert ConditionalGAN.from_config(gan.get_config()).auxiliary_on_fake is False


def test_negative_on_fake_teaches_generated_images_as_holding_no_tag():
    # Every tag logit is the image's mean brightness: +0.5 on the real batch and the
    # real|wrong-tags rows, -0.5 on the fake batch. Real rows hold 2 of 4 tags; under
    # "negative" every fake row's 4 targets are 0 (True would reuse the fakes' tags).
    image = keras.Input(SHAPE)
    tags_in = keras.Input(TAGS.input_shape)
    mean = keras.layers.Dense(1, use_bias=False, kernel_initializer=keras.initializers.Constant(1 / np.prod(SHAPE)))(
        keras.layers.Flatten()(image))
    heads = [keras.layers.Dense(1, kernel_initializer="zeros")(mean),
             keras.layers.Dense(4, use_bias=False, kernel_initializer="ones")(mean)]
    d = keras.Model([image, tags_in], heads)
    g = networks.conditional_generator(SHAPE, condition=TAGS, latent_dim=LATENT, base_filters=8)
    on = lambda value: ConditionalGAN(g, d, condition=TAGS, auxiliary_weight=0.5, auxiliary_on_fake=value)
    gan, labelling = on("negative"), on(True)
    gan.compile()
    labelling.compile()
    _, c = conditions_for("tags", 8)
    c = gan.prepare_condition(c)
    real, fake = tf.fill((8,) + SHAPE, 0.5), tf.fill((8,) + SHAPE, -0.5)
    on_real = (2 * _softplus(-0.5) + 2 * _softplus(0.5)) / 4  # logit 0.5, two tags on
    loss, parts = gan.discriminator_objective(c, real, fake, False)
    np.testing.assert_allclose(float(parts["d_aux"]), on_real + _softplus(-0.5), rtol=1e-5)  # logit -0.5, all off
    np.testing.assert_allclose(
        float(loss), float(parts["d_real"] + parts["d_fake"] + parts["d_mismatch"]) + 0.5 * float(parts["d_aux"]),
        rtol=1e-5)
    _, labelled = labelling.discriminator_objective(c, real, fake, False)
    on_fake = (2 * _softplus(0.5) + 2 * _softplus(-0.5)) / 4  # logit -0.5, the fakes' two tags on
    np.testing.assert_allclose(float(labelled["d_aux"]), on_real + on_fake, rtol=1e-5)
    _, g_parts = gan.generator_objective(c, None, fake, False)  # G still asks for its own tags
    np.testing.assert_allclose(float(g_parts["g_aux"]), on_fake, rtol=1e-5)
    assert ConditionalGAN.from_config(gan.get_config()).auxiliary_on_fake == "negative"


def test_negative_on_fake_needs_independent_labels_and_other_strings_are_refused():
    g = networks.conditional_generator(SHAPE, num_classes=5, latent_dim=LATENT, base_filters=8)
    d = networks.conditional_discriminator(SHAPE, num_classes=5, conditioning="concat_acgan", base_filters=8)
    with pytest.raises(ValueError, match="auxiliary_on_fake='negative'.*ClassCondition"):
        ConditionalGAN(g, d, condition=5, auxiliary_on_fake="negative")
    with pytest.raises(ValueError, match="auxiliary_on_fake.*'labels'"):
        ConditionalGAN(g, d, condition=5, auxiliary_on_fake="labels")
    with pytest.raises(ValueError, match="auxiliary_on_fake.*None"):
        ConditionalGAN(g, d, condition=5, auxiliary_on_fake=None)
    assert ConditionalGAN(g, d, condition=5, auxiliary_on_fake=0).auxiliary_on_fake is False
    tags_g = networks.conditional_generator(SHAPE, condition=TAGS, latent_dim=LATENT, base_filters=8)
    two_head = networks.conditional_discriminator(SHAPE, condition=TAGS, conditioning="two_head", base_filters=8)
    with pytest.raises(ValueError, match="auxiliary_on_fake='negative'.*'two_head'"):  # no classifier to teach
        ConditionalGAN(tags_g, two_head, condition=TAGS, auxiliary_on_fake="negative")
    concat = networks.conditional_discriminator(SHAPE, condition=TAGS, conditioning="concat", base_filters=8)
    with pytest.raises(ValueError, match=r"auxiliary_on_fake='negative'.*this is a `conditioning='concat'` "):
        ConditionalGAN(tags_g, concat, condition=TAGS, auxiliary_on_fake="negative")  # was: design is 'single'


def test_tacgan_trains_its_twin_on_fakes_and_the_generator_against_it():
    # Both class heads read the image's mean brightness, so the two classifiers give
    # different logits on the real batch (+0.5) and the fake one (-0.5).
    image = keras.Input(SHAPE)
    c = keras.Input((), dtype="int32")
    mean = keras.layers.Dense(1, use_bias=False, kernel_initializer=keras.initializers.Constant(1 / np.prod(SHAPE)))(
        keras.layers.Flatten()(image))
    k1, k2 = np.array([[1.0, 2, 3, 4, 5]]), np.array([[-2.0, 0, 1, 0, 3]])
    heads = [keras.layers.Dense(1, kernel_initializer="zeros")(mean)] + [
        keras.layers.Dense(5, use_bias=False, kernel_initializer=keras.initializers.Constant(k))(mean) for k in (k1, k2)]
    g = networks.conditional_generator(SHAPE, num_classes=5, latent_dim=LATENT, base_filters=8)
    gan = ConditionalGAN(g, keras.Model([image, c], heads), condition=5, auxiliary_weight=0.5)
    assert gan.design == "tacgan"
    gan.compile()
    labels = np.arange(8) % 5
    real, fake = tf.fill((8,) + SHAPE, 0.5), tf.fill((8,) + SHAPE, -0.5)

    def cross_entropy(logits):
        logits = np.broadcast_to(logits, (8, 5))
        return float(np.mean(np.log(np.exp(logits).sum(1)) - logits[np.arange(8), labels]))

    loss, parts = gan.discriminator_objective(gan.prepare_condition(labels), real, fake, False)
    np.testing.assert_allclose(float(parts["d_aux"]), cross_entropy(0.5 * k1), rtol=1e-5)  # real images only
    np.testing.assert_allclose(float(parts["d_twin"]), cross_entropy(-0.5 * k2), rtol=1e-5)  # fakes only
    expected = float(parts["d_real"] + parts["d_fake"] + parts["d_mismatch"]) + 0.5 * float(parts["d_aux"] + parts["d_twin"])
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)
    loss, g_parts = gan.generator_objective(gan.prepare_condition(labels), None, fake, False)
    np.testing.assert_allclose(float(g_parts["g_aux"]), cross_entropy(-0.5 * k1), rtol=1e-5)
    np.testing.assert_allclose(float(g_parts["g_twin"]), cross_entropy(-0.5 * k2), rtol=1e-5)
    np.testing.assert_allclose(float(loss), float(g_parts["g_adv"]) + 0.5 * (cross_entropy(-0.5 * k1) - cross_entropy(-0.5 * k2)),
                               rtol=1e-5)


def test_acgan_on_text_predicts_each_word_of_the_caption():
    ids = tf.constant([[3, 3, 5, 0, 0], [1, 4, 0, 0, 0]], "int32")  # 0 padding, 1 unknown: not words
    words = TEXT.words(ids).numpy()
    assert words.shape == (2, 12)
    assert np.flatnonzero(words[0]).tolist() == [3, 5] and np.flatnonzero(words[1]).tolist() == [4]
    g = networks.conditional_generator(SHAPE, condition=TEXT, latent_dim=LATENT, base_filters=8)
    gan = ConditionalGAN(g, _constant_discriminator(TEXT, [(1, 0.0), (12, 1.0)]), condition=TEXT)
    assert gan.design == "acgan"
    gan.compile()
    _, g_parts = gan.generator_objective(gan.prepare_condition(ids), None, gan(ids), False)
    # Per caption: present words cost softplus(-1), the other 12 - k columns softplus(1).
    expected = np.mean([(k * _softplus(-1.0) + (12 - k) * _softplus(1.0)) / 12 for k in (2, 1)])
    np.testing.assert_allclose(float(g_parts["g_aux"]), expected, rtol=1e-5)


def keras_cgan_class(n):
    from keras_cgan import ClassCondition

    return ClassCondition(n)


@pytest.mark.parametrize("kind,design", [("tags", "acgan"), ("text", "two_head"), ("embedding", "projection")])
def test_designs_save_and_load_through_keras_files(kind, design, tmp_path):
    gan = make_gan(kind, design, mismatch_weight=0.5)
    gan.compile()
    _, c = conditions_for(kind)
    gan.fit(c, images(), batch_size=8, epochs=1, verbose=0)
    assert_config_roundtrip(gan)
    noise = np.random.default_rng(1).standard_normal((4, LATENT)).astype("float32")
    loaded = assert_keras_roundtrip(gan, c[:4], tmp_path, noise=noise)
    assert (loaded.design, loaded.mismatch_weight, type(loaded.condition)) == (gan.design, 0.5, type(gan.condition))
    d_in = [images(4), c[:4]]
    for a, b in zip(keras.tree.flatten(gan.discriminator(d_in)), keras.tree.flatten(loaded.discriminator(d_in))):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)


# ------------------------------------------------------- a new condition type


@pytest.mark.parametrize("conditioning", ["concat", "acgan"])
def test_a_new_condition_type_is_one_class(conditioning):
    """A condition the library has never seen (a class fed one-hot) trains by its own answers alone."""
    calls = []

    class OneHotClass(conditions.Condition):
        """A class id fed one-hot, `float32` `[B, K]`."""

        dtype = "float32"

        def __init__(self, num_classes):
            self.num_classes = num_classes

        @property
        def input_shape(self):
            return (self.num_classes,)

        @property
        def num_labels(self):
            return self.num_classes

        def wrong(self, condition, draw):
            offset = draw(tf.random.stateless_uniform, (), dtype="int32", minval=1, maxval=self.num_classes)
            ids = (tf.argmax(condition, axis=1, output_type="int32") + offset) % self.num_classes
            return tf.one_hot(ids, self.num_classes, dtype=condition.dtype)

        def code(self, inputs, units, prefix, text_encoder="mean"):
            return keras.layers.Dense(units, use_bias=False, name=f"{prefix}_one_hot")(inputs)

        def auxiliary_loss(self, logits, condition):
            calls.append(tuple(logits.shape[1:]))
            return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=condition, logits=logits))

        def get_config(self):
            return {"num_classes": self.num_classes}

    condition = OneHotClass(3)
    assert conditions.get(condition) is condition
    g = networks.conditional_generator(SHAPE, condition=condition, latent_dim=LATENT, base_filters=8)
    d = networks.conditional_discriminator(SHAPE, condition=condition, conditioning=conditioning, base_filters=8)
    assert g.get_layer("class_one_hot").units == LATENT  # the condition built the code, not a built-in branch
    code_layer = {"concat": "class_one_hot", "acgan": "projection_one_hot"}[conditioning]
    assert d.get_layer(code_layer).input.shape[-1] == 3
    gan = ConditionalGAN(g, d, condition=condition, seed=0)
    assert gan.design == {"concat": "single", "acgan": "acgan"}[conditioning]
    gan.compile()
    c = np.eye(3, dtype="float32")[np.arange(16) % 3]
    before = {net.name: [np.array(w) for w in net.trainable_weights] for net in (g, d)}
    history = gan.fit(c, images(), batch_size=8, epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values()) and "d_mismatch" in history
    for net in (g, d):
        assert any(not np.allclose(a, b) for a, b in zip(before[net.name], net.trainable_weights)), net.name
    if conditioning == "acgan":
        assert {"d_aux", "g_aux"} <= set(history)
        assert calls and set(calls) == {(3,)}  # D (real, fake) and G asked the condition for the loss
    assert gan.predict(c[:5], verbose=0).shape == (5,) + SHAPE


def test_a_condition_names_the_shapes_a_batch_may_have():
    """One source: `check` and the model's step (`ConditionalGAN.sample_shapes`) read the condition's."""
    assert TAGS.sample_shapes == [(4,)] and list(conditions.ClassCondition(4).sample_shapes) == [(), (1,)]
    assert make_gan("tags", "concat").sample_shapes()["conditions"] == [(4,)]

    class PairOrColumn(conditions.Condition):
        """Two floats, also taken as a 2x1 column."""

        input_shape = (2,)
        sample_shapes = [(2,), (2, 1)]

    PairOrColumn().check(np.zeros((3, 2, 1), "float32"), "x")
    with pytest.raises(ValueError, match=r"x: PairOrColumn conditions must have shape \[batch, \*\(2,\)\] or \[batch, \*\(2, 1\)\]; got \(3, 3\)"):
        PairOrColumn().check(np.zeros((3, 3), "float32"), "x")


def test_a_condition_object_without_sample_shapes_takes_class_ids_as_a_column():
    class Forward:  # a hand-written condition object, written before `sample_shapes` existed
        def __init__(self):
            self._inner = conditions.ClassCondition(4)

        def __getattr__(self, name):
            if name == "sample_shapes":
                raise AttributeError(name)
            return getattr(self._inner, name)

    g = networks.conditional_generator(SHAPE, 4, latent_dim=LATENT, base_filters=8)
    d = networks.conditional_discriminator(SHAPE, 4, base_filters=8)
    gan = ConditionalGAN(g, d, condition=Forward(), seed=0)
    gan.compile()
    assert gan.sample_shapes()["conditions"] == [(), (1,)]
    column = (np.arange(8) % 4).reshape(-1, 1).astype("int32")  # refused as "(1,) per sample" for a while
    gan.fit(column, np.zeros((8, *SHAPE), "float32"), batch_size=4, epochs=1, verbose=0)
    assert gan.predict(column, verbose=0).shape == (8, *SHAPE)


# ------------------------------------------------------------------ bad input


def test_mismatched_condition_width_is_named():
    g = networks.conditional_generator(SHAPE, condition=TAGS, latent_dim=LATENT, base_filters=8)
    d = networks.conditional_discriminator(SHAPE, condition=TagsCondition(["a", "b", "c"]), base_filters=8)
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        ConditionalGAN(g, d, condition=TAGS)
    gan = make_gan("tags", "concat")
    gan.compile()
    with pytest.raises(ValueError, match=r"\[batch, 4\].*\(16, 5\)"):
        gan.fit(np.zeros((16, 5), "float32"), images(), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        ConditionalGAN(g, _constant_discriminator(TAGS, [(1, 0.0), (3, 0.0)]), condition=TAGS)


def test_acgan_refuses_embeddings_and_two_head_needs_one_match_logit():
    with pytest.raises(ValueError, match="acgan.*EmbeddingCondition"):
        networks.conditional_discriminator(SHAPE, condition=EMBED, conditioning="acgan")
    g = networks.conditional_generator(SHAPE, condition=TEXT, latent_dim=LATENT, base_filters=8)
    with pytest.raises(ValueError, match=r"acgan.*\(3,\).*\(12,\)"):  # one logit per vocabulary word
        ConditionalGAN(g, _constant_discriminator(TEXT, [(1, 0.0), (3, 0.0)]), condition=TEXT)
    with pytest.raises(ValueError, match=r"two_head.*\(3,\)"):
        ConditionalGAN(g, _constant_discriminator(TEXT, [(1, 0.0), (3, 0.0)]), condition=TEXT, design="two_head")


def test_unknown_tag_and_empty_caption_are_named():
    with pytest.raises(ValueError, match="'green hair'"):
        TAGS.encode([["red hair"], ["green hair"]])
    gan = make_gan("text", "concat")
    gan.compile()
    ids = conditions_for("text")[1]
    ids[3] = 0
    with pytest.raises(ValueError, match=r"empty caption.*\[3\]"):
        gan.fit(ids, images(), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="caption 1 is empty"):
        captions.vectorizer(["a red circle", "  "])
    with pytest.raises(ValueError, match="TextVectorization"):
        gan.fit(np.array(["a red circle"] * 16), images(), epochs=1, verbose=0)


def _write_folder(tmp_path, rows, names):
    folder = tmp_path / "faces"
    folder.mkdir()
    for name in names:
        Image.fromarray(np.full((6, 6, 3), 200, "uint8")).save(folder / f"{name}.jpg")
    path = tmp_path / "annotations.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(folder), str(path)


def test_tags_file_builds_the_vocabulary_and_names_bad_rows(tmp_path):
    folder, path = _write_folder(tmp_path, ["0,blue hair red eyes", "1,red hair red eyes"], ["0", "1"])
    condition, multi_hot, faces = tags.load(folder, path, image_size=8)
    assert condition.vocabulary == ["blue hair", "red eyes", "red hair"]
    np.testing.assert_array_equal(multi_hot, [[1, 1, 0], [0, 1, 1]])
    assert faces.shape == (2, 8, 8, 3) and faces.min() >= -1 and faces.max() <= 1
    with pytest.raises(ValueError, match=r"line 2.*'green'"):
        path2 = tmp_path / "more.csv"
        path2.write_text("0,blue hair red eyes\n1,green hair red eyes\n")
        tags.load(folder, str(path2), vocabulary=condition.vocabulary)
    path3 = tmp_path / "missing.csv"
    path3.write_text("id,tags\n0,blue hair red eyes\n7,red hair red eyes\n")
    with pytest.raises(ValueError, match=r"line 3.*'7' not found"):
        tags.load(folder, str(path3))


def test_tags_file_from_a_spreadsheet_with_a_bom_and_capital_letters_reads_as_typed_in_lower_case(tmp_path):
    folder, _ = _write_folder(tmp_path, [], ["0", "1"])
    path = tmp_path / "excel.csv"
    path.write_bytes("id,tags\r\n0,Blue Hair red eyes\r\n1,blue hair Red Eyes\r\n".encode("utf-8-sig"))
    condition, multi_hot, _ = tags.load(folder, str(path), image_size=8)
    assert condition.vocabulary == ["blue hair", "red eyes"]
    np.testing.assert_array_equal(multi_hot, [[1, 1], [1, 1]])
    assert tags.split_tags("Red Eyes, BLUE hair", ["blue hair", "red eyes"]) == ["red eyes", "blue hair"]
    assert tags.split_tags("Blue Hair red eyes", tag_ends=("Hair", "Eyes")) == ["blue hair", "red eyes"]


def test_a_16_bit_gray_image_of_a_tags_file_keeps_its_tones(tmp_path):
    folder, path = _write_folder(tmp_path, ["0,blue hair red eyes"], [])
    Image.fromarray(np.full((6, 6), 32768, "uint16")).save(os.path.join(folder, "0.png"))  # mid-gray, 16 bits
    _, _, faces = tags.load(folder, path, image_size=6)
    np.testing.assert_allclose(faces, 128 / 127.5 - 1, atol=1e-6)  # Pillow's own convert would give white


def test_an_unreadable_image_of_a_tags_file_is_named(tmp_path):
    folder, path = _write_folder(tmp_path, ["0,blue hair red eyes", "1,red hair red eyes"], ["0", "1"])
    data = open(os.path.join(folder, "1.jpg"), "rb").read()
    open(os.path.join(folder, "1.jpg"), "wb").write(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"1\.jpg: cannot read the image"):
        tags.load(folder, path, image_size=8)


@pytest.mark.parametrize("cell", ['","', ";", "  "])
def test_a_tag_cell_of_separators_only_is_a_row_without_tags(tmp_path, cell):
    folder, path = _write_folder(tmp_path, ["0,blue hair red eyes", f"1,{cell}"], ["0", "1"])
    with pytest.raises(ValueError, match=r"line 2: image '1' has no tags"):
        tags.load(folder, path, image_size=8)
    with pytest.raises(ValueError, match=r"`vocabulary` must be a non-empty list of tags"):
        tags.load(folder, path, image_size=8, vocabulary=[])


def test_a_tags_file_not_in_utf8_is_named(tmp_path):
    folder, _ = _write_folder(tmp_path, [], ["0"])
    (tmp_path / "cp1252.csv").write_bytes("0,ros\u00e9 hair\n".encode("cp1252"))
    with pytest.raises(ValueError, match=r"cp1252\.csv: not UTF-8 text"):
        tags.load(folder, str(tmp_path / "cp1252.csv"))


@pytest.mark.parametrize("name", ["0.PNG", "0.JPG", "0.gif", "0.tif"])
def test_an_image_of_a_tags_file_is_found_whatever_the_case_of_its_extension(tmp_path, name):
    folder, path = _write_folder(tmp_path, ["0,blue hair red eyes"], [])
    Image.fromarray(np.full((6, 6, 3), 200, "uint8")).save(os.path.join(folder, name), format=None if name[-3:].lower() != "jpg" else "JPEG")
    _, _, faces = tags.load(folder, path, image_size=6)
    assert faces.shape == (1, 6, 6, 3)


def test_transparent_pixels_of_a_tags_file_image_are_white(tmp_path):
    folder, path = _write_folder(tmp_path, ["0,blue hair red eyes"], [])
    Image.new("RGBA", (6, 6), (255, 0, 0, 0)).save(os.path.join(folder, "0.png"))  # red hidden under alpha 0
    _, _, faces = tags.load(folder, path, image_size=6)
    np.testing.assert_allclose(faces, 1.0)


def test_captions_file_is_vectorized_in_the_pipeline(tmp_path):
    folder, path = _write_folder(tmp_path, ["0,a red circle, top left", "1,a blue square"], ["0", "1"])
    pictures, texts = captions.read(folder, path, image_size=8)
    assert texts == ["a red circle, top left", "a blue square"] and pictures.shape == (2, 8, 8, 3)
    vec = captions.vectorizer(texts, sequence_length=6)
    ids, _ = next(iter(captions.dataset(texts, pictures, vec, batch_size=2)))
    assert ids.dtype == tf.int32 and ids.shape == (2, 6)
    TextCondition.from_vectorizer(vec).check(ids, "ids")
    (tmp_path / "empty.csv").write_text("0,a red circle\n1,\n")
    with pytest.raises(ValueError, match=r"line 2: empty caption"):
        captions.read(folder, str(tmp_path / "empty.csv"))


# ------------------------------------------------------------ data and metrics


def test_tag_faces_read_back_and_one_wrong_eye_is_a_failure():
    _, faces, hair, eyes = synthetic_faces.load(40, seed=3, size=32)
    assert tag_face_accuracy(faces, hair, eyes) == {"hair": 1.0, "left_eye": 1.0, "right_eye": 1.0,
                                                   "both_eyes": 1.0, "all": 1.0}
    r0, r1, c0, c1 = synthetic_faces.RIGHT_EYE
    other = (eyes[0] + 1) % 6
    faces[0, 2 * r0 : 2 * r1, 2 * c0 : 2 * c1] = np.array(list(synthetic_faces.COLOURS.values())[other]) / 127.5 - 1
    result = tag_face_accuracy(faces, hair, eyes)
    assert result["left_eye"] == 1.0 and result["both_eyes"] == pytest.approx(39 / 40)


def test_captioned_shapes_read_back_and_held_out_combinations_are_new():
    texts, pictures, attrs = synthetic_shapes.load(200, seed=2)
    result = caption_accuracy(pictures, *attrs.T)
    assert result["colour"] == 1.0 and result["position"] == 1.0 and result["shape"] > 0.95
    seen = {tuple(a) for a in attrs}
    assert not seen & set(synthetic_shapes.HELD_OUT)
    # One stray bright pixel in the far corner (as generated backgrounds have) is not part of the shape.
    speckled = pictures.copy()
    far = np.where(attrs[:, 2:3] == 3, 0, 23)  # the corner away from a bottom-right shape
    speckled[np.arange(200), far[:, 0], far[:, 0]] = 1.0
    assert caption_accuracy(speckled, *attrs.T)["shape"] > 0.95
    words = {w for t in texts for w in t.split()}
    assert all(set(synthetic_shapes.caption(*c).split()) <= words for c in synthetic_shapes.HELD_OUT)


@pytest.mark.parametrize("size", [8, 16, 32])
def test_captioned_shapes_at_other_sizes_stay_in_their_quadrant(size):
    _, pictures, attrs = synthetic_shapes.load(60, seed=1, size=size)
    assert pictures.shape == (60, size, size, 3)
    result = caption_accuracy(pictures, *attrs.T)
    assert result["colour"] == 1.0 and result["position"] == 1.0


def test_captioned_shapes_refuse_an_odd_or_tiny_size():
    for size in (7, 25, 6):
        with pytest.raises(ValueError, match="size"):
            synthetic_shapes.load(4, size=size)


def test_diversity_is_zero_for_a_collapsed_generator():
    _, faces, hair, eyes = synthetic_faces.load(30, seed=4, pairs=(np.zeros(30, int), np.zeros(30, int)))
    assert diversity(np.repeat(faces[:1], 30, 0)) == 0.0
    assert diversity(faces) > 0.1
    x = np.zeros((2, 1, 1, 1)); x[1] = 1.0
    assert diversity(x) == pytest.approx(1.0)  # RMS distance worked by hand


def test_attribute_accuracy_with_a_user_classifier():
    classifier = lambda samples: np.array([[0, 1], [1, 1], [2, 0]])
    result = attribute_accuracy(classifier, np.zeros(3), [[0, 1], [1, 0], [2, 0]], names=["colour", "shape"])
    assert result == {"colour": 1.0, "shape": pytest.approx(2 / 3), "all": pytest.approx(2 / 3)}


def test_one_text_encoder_shared_by_generator_and_discriminator():
    encoder = networks.condition_encoder(TEXT, units=8, text_encoder="gru")
    g = networks.conditional_generator(SHAPE, condition=TEXT, latent_dim=LATENT, base_filters=8, encoder=encoder)
    d = networks.conditional_discriminator(SHAPE, condition=TEXT, conditioning="projection", base_filters=8,
                                           encoder=encoder)
    gan = ConditionalGAN(g, d, condition=TEXT, seed=0)
    gan.compile()
    shared = {id(v) for v in encoder.trainable_variables}
    assert shared <= {id(v) for v in g.trainable_variables} and shared <= {id(v) for v in d.trainable_variables}
    before = [np.asarray(v).copy() for v in encoder.trainable_variables]
    gan.fit(conditions_for("text")[1], images(), batch_size=8, epochs=1, verbose=0)
    assert any(not np.array_equal(a, np.asarray(b)) for a, b in zip(before, encoder.trainable_variables))


def test_word_swap_wrong_captions_differ_in_exactly_one_word():
    text = TextCondition(20, 5, word_swap=1.0)
    rng = np.random.default_rng(0)
    captions = tf.constant(rng.integers(1, 20, (32, 5)), "int32")
    seeds = iter(range(1000))
    draw = lambda sampler, shape, **kw: sampler((32,) + shape, seed=[next(seeds), 0], **kw)
    wrong, valid = text.wrong(captions, draw)
    differences = np.sum(np.asarray(wrong) != np.asarray(captions), axis=1)
    assert np.all(np.asarray(valid)) and np.all(differences == 1)
    plain, _ = TextCondition(20, 5).wrong(captions, draw)
    assert np.mean(np.sum(np.asarray(plain) != np.asarray(captions), axis=1)) > 1
    assert TextCondition.from_config(text.get_config()).word_swap == 1.0
    with pytest.raises(ValueError, match="word_swap"):
        TextCondition(20, 5, word_swap=2.0)


def test_swap_groups_change_one_attribute_word_for_another_of_its_group():
    groups = [[2, 3, 4], [5, 6]]
    text = TextCondition(20, 5, word_swap=1.0, swap_groups=groups)
    rng = np.random.default_rng(0)
    true = np.concatenate([rng.integers(2, 7, (30, 5)), np.full((2, 5), 9)]).astype("int32")
    wrong, valid = text.wrong(tf.constant(true), draw_for(32))
    wrong, valid = np.asarray(wrong), np.asarray(valid)
    assert valid.all()
    changed = wrong[:30] != true[:30]
    assert np.all(changed.sum(1) == 1)
    group_of = {t: g for g, ids in enumerate(groups) for t in ids}
    for old, new in zip(true[:30][changed], wrong[:30][changed]):
        assert old != new and group_of[int(old)] == group_of[int(new)]
    assert {tuple(r) for r in wrong[30:]} != {(9,) * 5}  # no grouped word: another caption of the batch
    assert TextCondition.from_config(text.get_config()).swap_groups == groups
    with pytest.raises(ValueError, match="more than one group"):
        TextCondition(20, 5, swap_groups=[[2, 3], [3, 4]])
    with pytest.raises(ValueError, match=r"outside \[2, 20\)"):
        TextCondition(20, 5, swap_groups=[[1, 3]])


def test_word_groups_of_captioned_shapes_are_the_attributes():
    texts, _, _ = synthetic_shapes.load(300, seed=0)
    vec = captions.vectorizer(texts, sequence_length=8)
    groups = captions.word_groups(vec, texts)
    assert groups == [["blue", "green", "red", "yellow"], ["bottom", "top"], ["circle", "square", "triangle"],
                      ["left", "right"]]
    text = TextCondition.from_vectorizer(vec, word_swap=0.5, swap_groups=groups)
    vocabulary = vec.get_vocabulary()
    assert [[vocabulary[i] for i in g] for g in text.swap_groups] == [sorted(g, key=vocabulary.index) for g in groups]
    with pytest.raises(ValueError, match=r"\['purple'\]"):
        TextCondition.from_vectorizer(vec, swap_groups=[["red", "purple"]])


def test_generator_fed_the_condition_at_every_block_still_sees_it_without_the_input_route(tmp_path):
    condition, ids = conditions_for("text", n=4)
    noise = np.random.default_rng(0).standard_normal((1, LATENT)).astype("float32").repeat(4, 0)
    spread = {}
    for condition_at in ("input", "every_block"):
        g = networks.conditional_generator(SHAPE, condition=condition, latent_dim=LATENT, base_filters=8,
                                           condition_at=condition_at)
        kernel = g.get_layer("project").kernel
        kernel.assign(np.concatenate([np.asarray(kernel)[:LATENT], np.zeros_like(kernel)[LATENT:]]))  # cut code rows
        out = np.asarray(g([noise, ids], training=False))
        spread[condition_at] = np.abs(out - out[:1]).max()
    assert spread["input"] == 0.0 and spread["every_block"] > 1e-4
    assert [layer.name for layer in g.layers if layer.name.startswith("features_and_code")] == [
        "features_and_code_0", "features_and_code_1"  # at 4x4 (before up_0) and 8x8 (before to_image)
    ]
    assert_keras_roundtrip(g, [noise, ids], tmp_path)
    with pytest.raises(ValueError, match="condition_at"):
        networks.conditional_generator(SHAPE, condition=condition, latent_dim=LATENT, condition_at="output")


def test_a_text_model_saved_and_loaded_vectorizes_captions_to_the_ids_it_was_trained_on(tmp_path):
    import keras

    from keras_cgan.models.conditional_gan import presets

    vec = captions.vectorizer(["a red circle at the top left", "a blue square at the bottom right"], sequence_length=8)
    gan = presets.build((8, 8, 3), TextCondition.from_vectorizer(vec), preset="tiny")
    gan.save(str(tmp_path / "gan.keras"))
    loaded = keras.models.load_model(str(tmp_path / "gan.keras")).condition.vectorizer()
    new = ["a blue circle at the top right"]
    np.testing.assert_array_equal(np.asarray(loaded(new)), np.asarray(vec(new)))
    with pytest.raises(ValueError, match="has no `vocabulary`"):
        TextCondition(8, 3).vectorizer()
    with pytest.raises(ValueError, match=r"`vocabulary` must be the vectorizer's 3 tokens, '' and '\[UNK\]' first"):
        TextCondition(3, 4, vocabulary=["a", "b", "c"])
    raw = keras.layers.TextVectorization(output_sequence_length=9, standardize=None, ngrams=2)  # options kept too
    raw.adapt(["A Red circle", "a blue square"])
    rebuilt = TextCondition.from_config(TextCondition.from_vectorizer(raw).get_config()).vectorizer()
    np.testing.assert_array_equal(np.asarray(rebuilt(["A blue circle"])), np.asarray(raw(["A blue circle"])))
    with pytest.raises(ValueError, match=r"1 caption\(s\) hold more than sequence_length=8 tokens"):
        captions.vectorizer(["a red circle at the top left of the picture", "a blue square"], sequence_length=8)


def test_tag_encode_takes_tag_lists_from_any_iterable_and_bytes_and_names_a_flat_list():
    assert TAGS.encode(t for t in [["red hair"]]).tolist() == [[1.0, 0.0, 0.0, 0.0]]  # was a TypeError (no len)
    assert TAGS.encode([[b"red eyes"]]).tolist() == [[0.0, 0.0, 1.0, 0.0]]  # `tf.data` strings; was "not in vocabulary"
    for flat in ("red hair", ["red hair", "red eyes"]):  # one sample's tags without the outer list
        with pytest.raises(ValueError, match=r"one per sample \(`\[\['red hair', \.\.\.\]\]`"):  # was "string 'r'"
            TAGS.encode(flat)


def test_tags_vocabulary_message_shows_what_was_passed_and_numpy_tags_become_str():
    with pytest.raises(ValueError, match="Received: vocabulary='abc'"):  # was "vocabulary=None"
        TagsCondition("abc")
    vocabulary = TagsCondition(np.unique(["b", "a"])).get_config()["vocabulary"]
    assert vocabulary == ["a", "b"] and all(type(tag) is str for tag in vocabulary)  # was np.str_


def test_get_refuses_a_dict_that_is_no_condition_config():
    with pytest.raises(ValueError, match="serialize_keras_object"):  # was handed back: AttributeError later
        conditions.get({"num_classes": 10})
    with pytest.raises(ValueError, match="condition object"):
        conditions.get(keras.saving.serialize_keras_object(keras.layers.Dense(3)))
    assert conditions.get(keras.saving.serialize_keras_object(TAGS)).vocabulary == TAGS.vocabulary


@pytest.mark.parametrize("kind", ["tags", "text", "embed"])
def test_one_sample_without_its_batch_axis_is_told_to_add_it(kind):
    condition, values = conditions_for(kind)
    with pytest.raises(ValueError, match=r"For one sample, add the batch axis"):
        condition.check(values[0], "x")
    condition.check(values[:1], "x")


def test_integer_embeddings_are_told_to_cast():
    with pytest.raises(ValueError, match=r"float vectors; got dtype int64\. Cast them with `\.astype\('float32'\)`"):
        EMBED.check(np.ones((2, 7), "int64"), "x")


def test_tags_encode_names_numpy_strings_plainly_and_says_a_multi_hot_array_is_encoded_already():
    tags = TagsCondition(["a", "b"])
    with pytest.raises(ValueError, match=r"got the string 'a' where"):  # was np.str_('a')
        tags.encode(np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"not a tag: .*A multi-hot array is encoded already"):
        tags.encode(np.array([[1.0, 0.0]], "float32"))  # was "tag 1.0 ... is not in the vocabulary"
    np.testing.assert_array_equal(tags.encode(np.array([["a"], ["b"]])), [[1, 0], [0, 1]])
