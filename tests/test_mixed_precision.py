"""Every family trains under mixed precision; exports of such a model are float32 and pass parity."""

import keras
import numpy as np
import pytest

from keras_cgan import export
from tests import families


@pytest.fixture
def policy(request):
    keras.config.set_dtype_policy(request.param)
    yield request.param
    keras.config.set_dtype_policy("float32")


@pytest.mark.parametrize("family", families.FAMILIES)
@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"], indirect=True)
def test_every_family_trains_two_steps(policy, family):
    gan = families.build(family, learning_rate=1e-3, **families.RANDOMISED.get(family, {}))
    half = "bfloat16" if policy == "mixed_bfloat16" else "float16"
    assert gan.generator.layers[-1].compute_dtype == half  # the policy reached the networks
    # Loss scaling on both optimizers under float16, on neither under bfloat16.
    for optimizer in (gan.generator_optimizer, gan.discriminator_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) == (half == "float16")
    before = [np.asarray(v).copy() for v in gan.generator.trainable_variables]
    history = gan.fit(families.dataset(family, 8, 4), epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
    assert ("g_diversity" in history.history) == (family in families.RANDOMISED), history.history
    assert {w.dtype for w in gan.generator.trainable_variables} == {"float32"}  # float32 master weights
    applied = int(gan.generator_optimizer.iterations.numpy())
    if half == "float16":
        # Dynamic loss scaling skips a step whose float16 gradients overflow and
        # halves the scale (from 2**15): applied + skipped steps make the 2 steps.
        for optimizer in (gan.generator_optimizer, gan.discriminator_optimizer):
            skipped = round(np.log2(optimizer.initial_scale / float(optimizer.dynamic_scale.numpy())))
            assert int(optimizer.iterations.numpy()) + skipped == 2, family
    else:
        assert applied == 2
    changed = any(not np.array_equal(a, np.asarray(b)) for a, b in zip(before, gan.generator.trainable_variables))
    assert changed == (applied > 0)
    conditions, _ = families.data(family, 2)
    assert gan.predict(conditions, verbose=0).dtype == np.float32  # as under float32, whatever the policy


@pytest.mark.parametrize("policy", ["mixed_bfloat16"], indirect=True)
def test_export_after_mixed_precision_training_is_float32_with_parity(policy, tmp_path):
    import onnx

    gan = families.build("pix2pix", learning_rate=1e-2, ema_decay=0.5)
    gan.fit(families.dataset("pix2pix", 8, 4), epochs=1, verbose=0)
    conditions, _ = families.data("pix2pix", 4, seed=1)
    half = np.asarray(gan.predict(conditions, verbose=0), "float32")
    # The averaged generator (ema_decay) exports like the trained one.
    averaged = gan.ema_generator()
    assert averaged.layers[-1].compute_dtype == "bfloat16"
    report = export.to_onnx(averaged, tmp_path / "g_ema.onnx")
    assert report.passed and report.max_abs_error <= 1e-4, report.problems
    model = onnx.load(str(tmp_path / "g_ema.onnx"))
    assert {v.type.tensor_type.elem_type for v in list(model.graph.input) + list(model.graph.output)} == {
        onnx.TensorProto.FLOAT
    }
    # The float32 copy computes what the bfloat16 model does, to bfloat16 precision.
    float32 = export.inference_generator(gan)
    assert float32.layers[-1].compute_dtype == "float32"
    np.testing.assert_allclose(np.asarray(float32.predict(conditions, verbose=0)), half, atol=0.05)
    with gan.ema_weights():
        averaged_half = np.asarray(gan.predict(conditions, verbose=0), "float32")
    np.testing.assert_allclose(np.asarray(averaged.predict(conditions, verbose=0), "float32"), averaged_half, atol=1e-6)
    assert not np.allclose(averaged_half, half, atol=1e-3)  # the average is another generator


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_float16_overflow_in_one_stage_skips_every_stage_on_one_device(policy):
    # Stages share one loss scale: an overflow in stage 2's discriminator alone must skip stage 1's update too,
    # as it does on several replicas, so both scales fall and the overflow can clear.
    import tensorflow as tf

    gan = families.build("stackgan", optimizer="sgd", learning_rate=0.01)

    @tf.custom_gradient
    def overflowing(x):
        return tf.identity(x), lambda dy: dy * tf.cast(float("inf"), dy.dtype)

    heads = gan._heads

    def stage2_overflows(images, condition, training, discriminator=None, **kwargs):
        realism, second = heads(images, condition, training, discriminator, **kwargs)
        return (overflowing(realism) if discriminator is gan.discriminators[1] else realism), second

    object.__setattr__(gan, "_heads", stage2_overflows)
    x, y = families.data("stackgan", 8)
    gan.fit(x, y, batch_size=8, epochs=1, verbose=0, diagnose=False)
    optimizers = gan.discriminator_optimizers
    assert [int(o.iterations.numpy()) for o in optimizers] == [0, 0]
    assert [float(o.dynamic_scale.numpy()) for o in optimizers] == [2.0**14] * 2


@pytest.mark.parametrize("family", ["pix2pix", "stackgan"])
def test_a_float32_gan_loaded_under_mixed_float16_keeps_float32_and_its_optimizer_state(family, tmp_path):
    # The input layers (and StackGAN's rebuilt chain) took float16 from the global policy: both optimizers were
    # wrapped for loss scaling, so the saved Adam state (and the weight average's step count) did not load.
    import warnings

    gan = families.build(family, ema_decay=0.5)
    gan.fit(families.dataset(family, 8, 4), epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    keras.config.set_dtype_policy("mixed_float16")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loaded = keras.models.load_model(tmp_path / "gan.keras")
        fresh = families.build(family)
    finally:
        keras.config.set_dtype_policy("float32")
    assert not [w for w in caught if "Skipping variable loading" in str(w.message)], [str(w.message) for w in caught]
    for optimizer in (loaded.generator_optimizer, loaded.discriminator_optimizer):
        assert isinstance(optimizer, keras.optimizers.Adam), type(optimizer)
    saved = gan.generator_optimizer.variables + gan.discriminator_optimizer.variables
    kept = loaded.generator_optimizer.variables + loaded.discriminator_optimizer.variables
    assert int(kept[0].numpy()) == 2  # the iterations
    np.testing.assert_array_equal(families.flat(kept), families.flat(saved))
    layers = [layer for network in (loaded.generator, loaded.discriminator)
              for layer in network._flatten_layers(include_self=False, recursive=True)
              if not isinstance(layer, (keras.layers.InputLayer, keras.Model))]
    assert {layer.compute_dtype for layer in layers} == {"float32"}
    # A GAN built under the policy computes in float16 and scales its losses.
    for optimizer in (fresh.generator_optimizer, fresh.discriminator_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
