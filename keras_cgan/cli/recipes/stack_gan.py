"""`keras-cgan train stack_gan`: tags -> 16x16 -> 32x32 -> 64x64, grown inside one run.

Built-in data: the synthetic tag faces (6 hair x 6 eye colours) at the
largest stage's size, with the preset's model (`presets.py`: no
conditioning augmentation, `concat_acgan` discriminators, the mode-seeking
term) trained for 24 epochs of 40 steps, stage 2 from epoch 8, stage 3 from
epoch 14. `--data DIR` reads the same tags folder as `conditional_gan`.
`--size` is the largest stage's side; each earlier stage is half the next.
The growth stage is a model weight, so `--resume` continues at the same stage.
"""

import json

import numpy as np

from keras_cgan.cli.recipes import conditional_gan as cgan
from keras_cgan.cli.recipes.spec import Data, Family, register, size_option
from keras_cgan.models.conditional_gan.defaults import AUXILIARY_ON_FAKE, CLASSIFIER_POOLINGS, CONDITIONINGS
from keras_cgan.models.stack_gan.defaults import DEFAULT, STAGES, check_network_sizes


def _sizes(options):
    """The stage sizes: `--size` halved at each earlier stage, as `defaults.check_network_sizes` takes them."""
    size, stages = size_option(options, "the largest stage's side"), options["stages"]
    count = min(stages, 4)  # 4 or more are refused alike (and --set stages=10**9 makes no billion sizes)
    try:
        return list(check_network_sizes([size // 2 ** (count - 1 - i) for i in range(count)]))
    except ValueError:
        sides = ", ".join(str(4 * 2 ** (stages - 1 + k)) for k in range(4)) if stages in STAGES else ""
        raise ValueError(
            f"--size {size} with --set stages={stages}: stages must be {' or '.join(map(str, STAGES))}, and the first "
            "stage's side (the size halved at each stage) 4 times a power of two"
            + (f": give --size {sides}..." if sides else ".")
        ) from None


def check(options, data_options, built_in):
    """The stage sizes, and one growth epoch per later stage (`Family.check`)."""
    _sizes(options)
    later, grow_at = options["stages"] - 1, options["grow_at"]
    # The default schedule serves 2 and 3 stages alike: a 2-stage model grows at its first epoch (`GrowStages`).
    used = grow_at[:later] if grow_at == FAMILY.options["grow_at"] else grow_at
    # Was: extra epochs ignored, too few left the last stages untrained, a decreasing list refused after TensorFlow.
    if len(used) != later or grow_at != sorted(grow_at) or min(grow_at, default=0) < 0:
        raise ValueError(
            f"--set grow_at={json.dumps(grow_at)}: {later + 1} stages (--set stages={later + 1}) need {later} "
            f"epoch{'s' * (later > 1)} >= 0 in increasing order, the (0-based) epoch each later stage starts at, "
            f"e.g. {json.dumps(FAMILY.options['grow_at'][:later])}."
        )


def load_data(path, options, data_options, batch_size, seed):
    """Tag faces made in code, or an image+tags folder at `path`, at the last stage's size."""
    from keras_cgan.data import synthetic_faces

    if path is not None:
        data = cgan.load_data(path, options, data_options, batch_size, seed, family=FAMILY)
        return Data(data.train, data.steps, data.preview, dict(data.derived, num_classes=None), data.info)
    size = options["size"]
    if size % 16:
        raise ValueError(f"--size {size}: the built-in tag faces are drawn at multiples of 16.")
    tags, images, _, _ = synthetic_faces.load(data_options["faces"], seed, size)
    cgan._check_batch(len(tags), batch_size, "the built-in tag faces")
    vocabulary = list(synthetic_faces.condition().vocabulary)
    preview = synthetic_faces.tags_of(*synthetic_faces.grid_pairs())  # 36 tag sets, hair by row
    derived = {"channels": 3, "vocabulary": vocabulary}
    train = cgan._batched(tags.astype("float32"), images, batch_size, seed)
    return Data(train, len(tags) // batch_size, (preview, None), derived)


def build(options):
    """The `"default"` preset, with the options as overrides (`--filters` is `base_filters`)."""
    from keras_cgan.conditions import TagsCondition
    from keras_cgan.models.stack_gan import presets

    # The classifier's settings default to the preset's choice (None), which
    # depends on the design (`presets.negative_or_real_only`); what was
    # built is written back, so config.json and `--resume` keep it.
    classifier = {k: options[k] for k in presets.REAL_ONLY if options[k] is not None}
    gan = presets.build(
        tuple(_sizes(options)), TagsCondition(options["vocabulary"]), **classifier,
        base_filters=options["filters"], latent_dim=options["latent_dim"], code_dim=options["code_dim"],
        conditioning=options["conditioning"], kl_weight=options["kl_weight"], seed=options["seed"],
        r1_weight=options["r1_weight"], discriminator_filters=options["discriminator_filters"],
        diversity_weight=options["diversity_weight"], diversity_warmup=options["diversity_warmup"],
        diversity_stride=options["diversity_stride"], classifier_pooling=options["classifier_pooling"],
        translation=options["translation"],
    )
    options.update({k: getattr(gan, k) for k in presets.REAL_ONLY})
    return gan


def callbacks(options):
    """`GrowStages` at the epochs the options name."""
    from keras_cgan.models.stack_gan import GrowStages

    return [GrowStages(list(options["grow_at"]))]


def write_samples(gan, conditions, targets, path, seed):
    """Writes a grid of samples (the largest active stage) for the preview conditions."""
    return cgan.write_samples(gan, np.asarray(conditions), targets, path, seed)


FAMILY = register(
    Family(
        name="stack_gan",
        summary="StackGAN: tags -> small image -> larger images, stages grown during the run",
        layout=cgan.LAYOUT,
        options={
            "size": 64,
            "stages": 3,
            "filters": DEFAULT["base_filters"],
            "latent_dim": DEFAULT["latent_dim"],
            "code_dim": DEFAULT["code_dim"],
            "conditioning": DEFAULT["conditioning"],
            "kl_weight": DEFAULT["kl_weight"],
            "grow_at": [8, 14],
            "r1_weight": DEFAULT["r1_weight"],
            "discriminator_filters": DEFAULT["discriminator_filters"],
            "auxiliary_on_fake": None,
            "diversity_weight": DEFAULT["diversity_weight"],
            "diversity_warmup": DEFAULT["diversity_warmup"],
            "diversity_stride": DEFAULT["diversity_stride"],
            "auxiliary_weight": None,
            "classifier_pooling": DEFAULT["classifier_pooling"],
            "translation": DEFAULT["translation"],
        },
        # runs made before the options existed (discriminators of half the generator's filters)
        absent_means={"discriminator_filters": None, "auxiliary_on_fake": True, "diversity_weight": 0.0,
                      "diversity_warmup": 0, "diversity_stride": 1, "auxiliary_weight": 1.0,
                      "classifier_pooling": "flatten", "translation": 0.0},
        option_types={"auxiliary_on_fake": (bool, str), "auxiliary_weight": float},
        option_notes={"auxiliary_on_fake": 'null: "negative", or false where that cannot act',
                      "auxiliary_weight": 'null: 3 with "negative", else 6'},
        option_choices={"stages": STAGES, "conditioning": CONDITIONINGS, "classifier_pooling": CLASSIFIER_POOLINGS,
                        "auxiliary_on_fake": AUXILIARY_ON_FAKE},
        counts=("stages", "latent_dim", "code_dim", "discriminator_filters", "diversity_stride", "faces"),
        data_options={"faces": 2048},
        synthetic_options=("faces",),
        epochs=24,
        batch_size=32,
        steps_per_epoch=40,
        load_data=load_data,
        data_endings=cgan.FAMILY.data_endings,  # the same folders
        build=build,
        write_samples=write_samples,
        callbacks=callbacks,
        check=check,
    )
)
