"""What every family's presets share: named settings, checked overrides, routing.

A family's `presets.py` names whole settings (`PRESETS`) and the settings each
part takes (generator, discriminator, model, compile); `resolve` puts
overrides on top of a preset and `pick` hands each part its own.

Example:

>>> resolve({"default": {"base_filters": 8}}, [("base_filters",), COMPILE], "default", {"seed": 1})
Traceback (most recent call last):
...
ValueError: Unknown setting(s) ['seed'] for preset 'default'; ...
>>> pick({"base_filters": 8, "r1_weight": 1.0}, COMPILE)
{'r1_weight': 1.0}
"""

GAN_MODEL = ("adversarial_weight", "seed", "ema_decay")  # every family's model takes these
COMPILE = (
    "generator_optimizer", "discriminator_optimizer", "adversarial_loss", "gradient_penalty_weight", "r1_weight",
    "update", "check_data", "steps_per_execution", "jit_compile", "run_eagerly",
)


def resolve(presets, parts, preset, overrides):
    """The settings of `presets[preset]` with `overrides` on top.

    Args:
        presets: dict. Preset name -> settings.
        parts: list of tuples. The setting names each part takes.
        preset: str. A key of `presets`.
        overrides: dict. Settings that replace or add to the preset's.

    Raises:
        ValueError: naming an unknown preset, or a setting no part takes.
    """
    if not isinstance(preset, str) or preset not in presets:
        raise ValueError(f"`preset` must be one of {sorted(presets)}. Received: preset={preset!r}")
    known = {name for part in parts for name in part}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"Unknown setting(s) {unknown} for preset {preset!r}; the settings are {sorted(known)}.")
    return {**presets[preset], **overrides}


def pick(values, part):
    """The entries of `values` that `part` (a tuple of names) takes."""
    return {name: value for name, value in values.items() if name in part}
