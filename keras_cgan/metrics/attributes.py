"""Is each attribute of the condition honoured? And are the samples diverse?

`tag_face_accuracy` reads hair and eye colours off generated tag faces,
`caption_accuracy` reads colour, shape and position off generated captioned
shapes, `attribute_accuracy` does the same with any user classifier, and
`diversity` is the mean pairwise distance of samples made for one condition
(0 for a collapsed generator).

Example:

>>> import numpy as np
>>> from keras_cgan.data import synthetic_faces
>>> from keras_cgan.metrics import tag_face_accuracy
>>> _, images, hair, eyes = synthetic_faces.load(16)
>>> tag_face_accuracy(images, hair, eyes)["both_eyes"]
1.0
"""

import numpy as np

from keras_cgan.metrics._checks import unit_range


def _same_length(**arrays):
    """A `ValueError` unless `arrays` (named) have one length, above 0."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"inputs must have the same length; got {lengths}")
    if not next(iter(lengths.values())):  # was: NaN accuracies and a RuntimeWarning
        raise ValueError(f"{', '.join(f'`{name}`' for name in arrays)} are empty: no sample to score.")


def tag_face_accuracy(images, hair, eyes):
    """Per-attribute accuracy of generated tag faces.

    Args:
        images: `[N, S, S, 3]` faces in `[-1, 1]`.
        hair: `[N]` requested hair colour indices.
        eyes: `[N]` requested eye colour indices.

    Returns:
        dict: `hair`, `left_eye`, `right_eye`, `both_eyes` (both eyes right:
        one wrong eye is a failure) and `all` (hair and both eyes).
    """
    from keras_cgan.data import synthetic_faces

    hair, eyes = np.asarray(hair).reshape(-1), np.asarray(eyes).reshape(-1)
    got_hair, got_left, got_right = synthetic_faces.read_attributes(unit_range(images, "images"))  # checks the shape
    _same_length(images=images, hair=hair, eyes=eyes)
    hair_ok, left_ok, right_ok = got_hair == hair, got_left == eyes, got_right == eyes
    return {
        "hair": float(hair_ok.mean()),
        "left_eye": float(left_ok.mean()),
        "right_eye": float(right_ok.mean()),
        "both_eyes": float((left_ok & right_ok).mean()),
        "all": float((hair_ok & left_ok & right_ok).mean()),
    }


def caption_accuracy(images, colours, shapes, positions):
    """Colour, shape and position accuracy of generated captioned shapes.

    Args:
        images: `[N, S, S, 3]` images in `[-1, 1]`.
        colours, shapes, positions: `[N]` requested indices (see
            `data.synthetic_shapes`).

    Returns:
        dict: `colour`, `shape`, `position` and `all` (all three right).
    """
    from keras_cgan.data import synthetic_shapes

    want = [np.asarray(a).reshape(-1) for a in (colours, shapes, positions)]
    got = synthetic_shapes.read_attributes(unit_range(images, "images"))  # checks the shape
    _same_length(images=images, colours=want[0], shapes=want[1], positions=want[2])
    ok = [g == w for g, w in zip(got, want)]
    return {
        "colour": float(ok[0].mean()),
        "shape": float(ok[1].mean()),
        "position": float(ok[2].mean()),
        "all": float((ok[0] & ok[1] & ok[2]).mean()),
    }


def attribute_accuracy(classifier, samples, attributes, names=None):
    """Per-attribute accuracy with any classifier.

    Args:
        classifier: callable mapping samples to predicted attributes `[N, A]`
            (one class index per attribute).
        samples: the generated samples.
        attributes: `[N, A]` requested attribute indices.
        names: optional list of `A` names. Defaults to `"attribute_0"`, ...

    Returns:
        dict: one accuracy per attribute and `all` (every attribute right).
    """
    attributes = np.asarray(attributes)
    _same_length(samples=samples, attributes=attributes)  # was: a reshape error for none
    attributes = attributes.reshape(len(attributes), -1)
    predicted = np.asarray(classifier(samples))
    if predicted.size != attributes.size:  # was: a reshape error for another count
        raise ValueError(
            f"`classifier` returned shape {predicted.shape} for attributes of shape {attributes.shape}: it must "
            "return one class index per attribute, [N, A]."
        )
    predicted = predicted.reshape(attributes.shape)
    names = names or [f"attribute_{i}" for i in range(attributes.shape[1])]
    if len(names) != attributes.shape[1]:
        raise ValueError(f"`names` has {len(names)} entries for {attributes.shape[1]} attributes")
    ok = predicted == attributes
    result = {name: float(ok[:, i].mean()) for i, name in enumerate(names)}
    result["all"] = float(ok.all(axis=1).mean())
    return result


def diversity(samples, groups=None):
    """Mean pairwise RMS distance between samples made for the same condition.

    Args:
        samples: `[N, ...]` samples in `[-1, 1]`.
        groups: optional `[N]` condition ids or `[N, T]` multi-hot tags (one
            group per tag set); pairs are taken within each group and the
            group means averaged. Defaults to one group.

    Returns:
        float. 0 for identical samples (a collapsed generator).
    """
    samples = unit_range(samples, "samples")
    flat = samples.reshape(len(samples), -1)
    groups = np.zeros(len(flat), "int64") if groups is None else np.asarray(groups)
    if groups.ndim == 2:  # multi-hot tags: one group per distinct tag set
        groups = np.unique(groups, axis=0, return_inverse=True)[1]
    groups = groups.reshape(-1)
    _same_length(samples=flat, groups=groups)
    means = []
    for g in np.unique(groups):
        x = flat[groups == g]
        if len(x) < 2:
            continue
        pairs = [np.sqrt(((x[i + 1 :] - x[i]) ** 2).mean(1)) for i in range(len(x) - 1)]
        means.append(np.concatenate(pairs).mean())
    if not means:
        raise ValueError("`diversity` needs at least two samples of one condition")
    return float(np.mean(means))
