"""`CollapseMonitor`: tiny models driven into each common failure are named, with what to try.

Constant and saturated output come from real `fit` calls on the tiny preset
(the monitor `fit` adds by default); a discriminator that wins outright is
fed to the monitor as logs (a real drive takes minutes).
"""

import re
import warnings

import numpy as np
import pytest
import tensorflow as tf

from keras_cgan.callbacks import CollapseMonitor, CollapseWarning, StopOnNaN, probe_batch
from keras_cgan.models import conditional_gan, pix2pix


def tiny_gan(**overrides):
    return conditional_gan.presets.build((8, 8, 1), 4, preset="tiny", seed=0, **overrides)


def data(n=16):
    rng = np.random.default_rng(0)
    return np.arange(n, dtype="int32") % 4, rng.uniform(-1, 1, (n, 8, 8, 1)).astype("float32")


def last_dense(network):
    return next(layer for layer in reversed(network.layers) if getattr(layer, "kernel", None) is not None)


def fit_warnings(gan, *args, **kwargs):
    """The `CollapseWarning` messages of one `fit`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gan.fit(*args, verbose=0, **kwargs)
    return [str(w.message) for w in caught if issubclass(w.category, CollapseWarning)]


def test_constant_output_is_named_with_its_spread():
    gan = tiny_gan()
    layer = last_dense(gan.generator)
    layer.kernel.assign(np.zeros(layer.kernel.shape))  # the output no longer depends on noise or condition
    layer.trainable = False
    gan.compile()  # the frozen layer stays at zero
    labels, images = data()
    found = fit_warnings(gan, labels, images, batch_size=8, epochs=3)
    constant = [m for m in found if "constant output" in m]
    assert len(constant) == 1, found
    assert "spread across the batch 0" in constant[0] and "the targets' 0.5" in constant[0]
    assert "r1_weight" in constant[0] and "spectral_norm=True" in constant[0]


def test_saturated_output_is_named_with_its_fraction():
    gan = tiny_gan()
    last_dense(gan.generator).bias.assign(np.full(last_dense(gan.generator).bias.shape, 50.0))  # tanh -> 1
    labels, images = data()
    dataset = tf.data.Dataset.from_tensor_slices((labels, images)).batch(8)
    found = fit_warnings(gan, dataset, epochs=3)
    saturated = [m for m in found if "saturated output" in m]
    assert len(saturated) == 1, found
    assert "100% of the generator's output values" in saturated[0] and "100% at +1, 0% at -1" in saturated[0]
    assert re.search(r"targets', \d+% and \d+% are within 0.15 of \+1 and -1", saturated[0]), saturated[0]
    assert "adversarial_weight" in saturated[0]


def test_output_at_the_limit_where_the_data_is_near_it_is_not_saturated():
    gan = tiny_gan()
    last_dense(gan.generator).bias.assign(np.full(last_dense(gan.generator).bias.shape, 50.0))  # tanh -> 1
    labels, images = data()
    images = np.full_like(images, 0.9)  # white drawn at 0.9: an output at +1 matches it
    found = fit_warnings(gan, labels, images, batch_size=8, epochs=3)
    assert not [m for m in found if "saturated output" in m], found


def test_one_sample_per_condition_is_named_mode_collapse():
    gan = tiny_gan()
    project = gan.generator.get_layer("project")  # Dense on [noise, condition code]
    kernel = np.asarray(project.kernel)
    kernel[: gan.noise_shape[0]] = 0.0  # the noise rows: samples depend on the condition only
    kernel[gan.noise_shape[0]:] *= 100.0  # (and clearly: the initial condition code is small)
    project.kernel.assign(kernel)
    project.trainable = False
    gan.compile()
    labels, images = data()
    found = fit_warnings(gan, labels, images, batch_size=8, epochs=3)
    collapse = [m for m in found if "mode collapse within a condition" in m]
    assert len(collapse) == 1, found
    assert "changes the samples by 0 on average" in collapse[0] and "diversity_weight=1.0" in collapse[0]
    assert not [m for m in found if "constant output" in m]  # the conditions still differ


def test_checks_come_every_so_many_steps_under_steps_per_execution():
    class Counting(CollapseMonitor):
        def check(self, logs, batch=None):
            if batch is not None:  # the checks between epoch ends
                self.steps.append(int(self.model.generator_optimizer.iterations))

    labels, images = data()
    cases = [  # (samples, steps per execution, every, steps trained before each check); batches of 2, 2 epochs
        (16, 1, 4, [3, 7, 11, 15]),
        (16, 2, 4, [2, 6, 10, 14]),
        (16, 2, 3, [2, 4, 10, 14]),  # not a multiple of the execution; none at an epoch's first batch
        (14, 2, 4, [2, 11]),  # 7 batches an epoch: the fourth execution runs 1 step
    ]
    for samples, per_execution, every, expected in cases:
        monitor = Counting(every=every)
        monitor.steps = []
        fit_warnings(tiny_gan(steps_per_execution=per_execution), labels[:samples], images[:samples], batch_size=2,
                     epochs=2, callbacks=[monitor])
        assert monitor.steps == expected, (samples, per_execution, every)


def test_a_healthy_run_gives_no_warning():
    labels, images = data()
    assert fit_warnings(tiny_gan(), labels, images, batch_size=8, epochs=3, callbacks=[CollapseMonitor(every=1)]) == []
    rng = np.random.default_rng(1)
    gan = pix2pix.presets.build((16, 16, 1), (16, 16, 3), preset="tiny", seed=0)  # no noise: conditions differ
    a, b = rng.uniform(-1, 1, (8, 16, 16, 1)).astype("float32"), rng.uniform(-1, 1, (8, 16, 16, 3)).astype("float32")
    assert fit_warnings(gan, a, b, batch_size=4, epochs=3) == []


def test_diagnose_false_and_an_own_monitor():
    gan = tiny_gan()
    last_dense(gan.generator).bias.assign(np.full(last_dense(gan.generator).bias.shape, 50.0))
    labels, images = data()
    assert fit_warnings(gan, labels, images, batch_size=8, epochs=3, diagnose=False) == []
    monitor = CollapseMonitor(patience=1)  # replaces the default one; `fit` fills its probe
    found = fit_warnings(gan, labels, images, batch_size=8, epochs=2, callbacks=[monitor])
    assert sorted(monitor.seen) == ["constant", "saturated"] and len(found) == 2
    assert monitor.conditions.tolist() == labels[:8].tolist()


def test_given_probe_conditions_are_checked_before_training():
    gan = tiny_gan()  # 4 classes
    labels, images = data()
    with pytest.raises(ValueError, match=r"CollapseMonitor conditions: class ids must be in \[0, 4\)"):
        gan.fit(labels, images, batch_size=8, epochs=1, verbose=0, callbacks=[CollapseMonitor(np.arange(12))])
    assert int(gan.generator_optimizer.iterations) == 0
    monitor = CollapseMonitor([3, 2, 1, 0], every=1)  # Python ids are one batch
    assert fit_warnings(gan, labels, images, batch_size=8, epochs=1, callbacks=[monitor]) == []


def test_a_reused_monitor_probes_each_model_anew_and_keeps_given_conditions():
    labels, images = data()
    shifted = (labels + 1) % 4
    probed, given = CollapseMonitor(every=1), CollapseMonitor(np.arange(4), every=1)
    fit_warnings(tiny_gan(), labels, images, batch_size=8, epochs=1, callbacks=[probed, given])
    assert probed.conditions.tolist() == labels[:8].tolist()
    other = tiny_gan(latent_dim=6)  # another model, another noise size
    fit_warnings(other, shifted, images, batch_size=8, epochs=1, callbacks=[probed, given])
    assert probed.conditions.tolist() == shifted[:8].tolist() and probed.probe_from_data
    assert given.conditions.tolist() == [0, 1, 2, 3] and not given.probe_from_data
    two_classes = conditional_gan.presets.build((8, 8, 1), 2, preset="tiny", seed=0)
    with pytest.raises(ValueError, match=r"CollapseMonitor conditions: class ids must be in \[0, 2\)"):
        fit_warnings(two_classes, labels % 2, images, batch_size=8, epochs=1, callbacks=[given])


def test_nan_loss_warns_once_and_stop_on_nan_says_what_to_try():
    gan = tiny_gan(check_data=False)  # NaN reaches the losses
    labels, images = data()
    images[3] = np.nan
    found = fit_warnings(gan, labels, images, batch_size=8, epochs=2)
    assert len(found) == 1 and re.search(r"`d_\w+` became nan at epoch 1\. Try lower learning rates", found[0]), found
    with pytest.raises(FloatingPointError, match="became nan at batch 0.*lower learning rates"):
        fit_warnings(gan, labels, images, batch_size=8, epochs=1, callbacks=[StopOnNaN()])


WON = {"d_loss": 0.02, "d_real": 0.01, "d_fake": 0.012, "g_adv": 6.5}  # logs of a discriminator that wins


def test_discriminator_winning_is_named_after_patience_checks(tmp_path):
    path = tmp_path / "diagnostics.txt"
    monitor, won = CollapseMonitor(patience=3, path=str(path)), WON
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for logs in (won, won, dict(won, g_adv=1.0), won, won):  # a fair check breaks the streak
            monitor.check(logs)
        assert not caught
        monitor.check(won)
        monitor.check(won)  # once per kind
    assert len(caught) == 1 and issubclass(caught[0].category, CollapseWarning)
    message = str(caught[0].message)
    assert "discriminator wins outright" in message and "d_real 0.01 and d_fake 0.012" in message
    assert "g_adv is 6.5" in message and "r1_weight" in message and "spectral_norm=True" in message
    # lsgan and hinge let D win outright on the generalisation suite's dots where bce with R1 did not
    assert "lsgan" not in message and "hinge" not in message
    assert path.read_text().startswith("discriminator_wins: the discriminator wins outright")


def test_each_adversarial_loss_says_whether_the_discriminator_can_win_outright():
    # wgan-gp had no entry, and the check passed over it without a word: it does not apply to a critic.
    import types

    from keras_cgan import callbacks, checks

    assert list(callbacks._WON) == list(checks.ADVERSARIAL_LOSSES)
    for loss in checks.ADVERSARIAL_LOSSES:
        monitor = CollapseMonitor(patience=1)
        monitor.set_model(types.SimpleNamespace(adversarial_loss=loss))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for logs in (WON, dict(d_real=-40.0, d_fake=-40.0, g_adv=40.0)):  # a critic far ahead, too
                monitor.check(logs)
        assert list(monitor.seen) == ([] if loss == "wgan-gp" else ["discriminator_wins"]), (loss, caught)


def test_a_failure_too_late_for_patience_is_named_when_training_ends(tmp_path):
    path = tmp_path / "diagnostics.txt"
    monitor = CollapseMonitor(patience=3, path=str(path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        monitor.on_train_begin()
        for logs in (dict(WON, g_adv=1.0), WON, WON):  # the failure starts two checks before the end
            monitor.check(logs)
        assert not caught
        monitor.on_train_end()
    assert len(caught) == 1 and issubclass(caught[0].category, CollapseWarning)
    message = str(caught[0].message)
    assert "wins outright at the last 2 check(s) before training ended, the last at epoch 1" in message
    assert "d_real 0.01" in message and path.read_text().startswith("discriminator_wins: ")
    quiet = CollapseMonitor(patience=3)
    quiet.on_train_begin()
    for logs in (WON, WON, dict(WON, g_adv=1.0)):  # a failure that ended before training did
        quiet.check(logs)
    quiet.on_train_end()
    assert quiet.seen == {}


def test_probe_batch_reads_datasets_of_any_condition_structure():
    images = np.zeros((6, 4, 4, 1), "float32")
    pairs = tf.data.Dataset.from_tensor_slices(((images, np.arange(6)), images)).batch(1)  # batches of one row
    (image, labels), targets = probe_batch(pairs, size=4)
    assert image.shape == (4, 4, 4, 1) and labels.tolist() == [0, 1, 2, 3] and targets.shape == (4, 4, 4, 1)
    # A generator or a distributed dataset (no `tf.data.Dataset`): the logs only.
    assert probe_batch(iter([(images, images)])) == (None, None)
    assert probe_batch(tf.data.Dataset.from_tensor_slices(images)) == (None, None)  # no pairs


def test_the_command_line_prints_and_records_what_it_saw(tmp_path, monkeypatch, capsys):
    from keras_cgan.cli import main
    from keras_cgan.cli import train as train_cli

    made = train_cli._collapse_monitor

    def strict(preview, path):  # any output counts as constant: the message's way out is what is tested
        monitor = made(preview, path)
        monitor.min_std, monitor.patience = 10.0, 1
        return monitor

    monkeypatch.setattr(train_cli, "_collapse_monitor", strict)
    run = tmp_path / "run"
    assert main(["train", "conditional_gan", "--out", str(run), "--epochs", "1", "--steps-per-epoch", "1",
                 "--verbose", "0", "--filters", "4", "--set", "latent_dim=2", "--batch-size", "8"]) == 0
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if "warning:" in line]
    assert len(lines) == 1 and lines[0].startswith("keras-cgan train: warning: CollapseMonitor: constant output at epoch 1")
    assert (run / "diagnostics.txt").read_text().startswith("constant: constant output at epoch 1")
    assert "diagnostics.txt (training went wrong)" in captured.out
