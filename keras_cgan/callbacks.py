"""Callbacks that show what a generator makes while it trains, and guard the run.

Guards: `StopOnNaN` stops at the first non-finite loss; `CollapseMonitor`
(on by default in `GANModel.fit`) warns about NaN losses, constant or
saturated output and a discriminator that wins outright; `KeepBestGenerator`
keeps the best-scoring generator (the averaged one when the model has
`ema_decay=`).

One family writes samples: `SampleWriter` is its base (only the chief writes;
every `every` epochs and after the last; optionally the averaged generator;
TensorBoard event files with the losses and the media). Its members are
`SampleGrid` (images), `AudioSamples` (SEGAN waveforms) and
`keras_cgan.models.next_frame_gan.RolloutGIF` (video rollouts as GIFs). Event files
are written with `tf.summary.write` and need TensorFlow only, not the
`tensorboard` package (install that to view them: `tensorboard --logdir DIR`).

Backups: `backup_and_restore(backup_dir, strategy)` is Keras'
`BackupAndRestore` on one machine and a `SharedBackup` on each worker of a
multi-worker run: the chief alone writes the backup, every worker restores
from it, and a failure on any worker stops every worker with its message.
"""

import contextlib
import os
import warnings
import weakref

import keras
import numpy as np

from keras_cgan import checks, distribute


def _check_rows(count, rows, what="images"):
    """`rows` as an int; a `ValueError` unless `count` items, filled row by row, fill all `rows` rows.

    The last row may be short.
    """
    rows = checks.integer("rows", rows, low=1)  # was: a ZeroDivisionError for 0
    if count == 0:
        raise ValueError(f"A grid needs at least one of its {what}; got none.")
    cols = -(-count // rows)
    filled = -(-count // cols)
    if filled < rows:
        raise ValueError(
            f"`rows={rows}` leaves empty rows: {count} {what}, {cols} a row, fill {filled} rows. "
            f"Pass `rows={filled}`, or more {what} (e.g. `np.repeat(...)` for several a row)."
        )
    return rows


def image_grid(images, rows):
    """Tiles `images` `[N, H, W, C]` in `[-1, 1]` into one uint8 array, `rows` rows."""
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4:  # was: "not enough values to unpack"
        raise ValueError(
            f"`images` must be [N, H, W, C] (grayscale: `images[..., None]`). Received shape {images.shape}."
        )
    n, h, w, c = images.shape
    rows = _check_rows(n, rows)
    cols = -(-n // rows)
    pad = 1
    grid = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, c), -1.0, "float32")
    for i, image in enumerate(images):
        r, col = divmod(i, cols)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[top : top + h, left : left + w] = image
    grid = ((grid.clip(-1.0, 1.0) + 1.0) * 127.5).round().astype("uint8")
    return grid[..., 0] if c == 1 else grid


def _check_labels(count, rows, row_labels, col_labels, what="images"):
    """`ValueError` unless the labels of a grid of `count` images in `rows` rows are one per row and column."""
    cols = -(-count // rows)
    for labels, wanted, name, per in ((row_labels, rows, "row_labels", "row"),
                                      (col_labels, cols, "col_labels", "column")):
        if labels is not None and len(labels) != wanted:
            raise ValueError(f"`{name}` needs {wanted} labels, one per {per} ({count} {what} in {rows} rows make "
                             f"{cols} columns); got {len(labels)}.")


def save_image_grid(images, path, rows, scale=1, row_labels=None, col_labels=None):
    """Writes `images` in `[-1, 1]` as a grid with `rows` rows; returns `path`.

    Args:
        images: array `[N, H, W, C]` in `[-1, 1]`, row by row.
        path: str. The image to write (folders are made), in the format its
            extension names (`keras_cgan.data.image_folder.write_image`):
            PNG, BMP and TIFF as they are, WebP lossless, JPEG, MPO, PDF and
            AVIF at quality 95, GIF in 256 colours.
        rows: int. Number of rows, filled row by row (`ceil(N / rows)` a
            row); every row must get at least one image.
        scale: int. Each pixel becomes `scale x scale` pixels. Defaults to `1`.
        row_labels, col_labels: lists of str or None. Text written left of
            each row and above each column, so the picture says what its
            rows and columns are. Defaults to `None` (no margin).

    Example:

    >>> import numpy as np, os, tempfile
    >>> from PIL import Image
    >>> path = os.path.join(tempfile.mkdtemp(), "grid.png")
    >>> _ = save_image_grid(np.zeros((4, 8, 8, 1)), path, rows=2, scale=2, row_labels=["a", "b"], col_labels=["x", "y"])
    >>> Image.open(path).size > (2 * 9 + 1) * 2 * np.array([1, 1])
    array([ True,  True])
    """
    from PIL import Image, ImageDraw, ImageFont

    from keras_cgan.data import image_folder

    images = np.asarray(images)
    scale = checks.integer("scale", scale, low=1)  # was: PIL's "height and width must be > 0" for 0
    grid = Image.fromarray(image_grid(images, rows))
    if scale != 1:
        grid = grid.resize((grid.width * scale, grid.height * scale), Image.NEAREST)
    if row_labels is not None or col_labels is not None:
        _check_labels(len(images), rows, row_labels, col_labels)
        font = ImageFont.load_default()
        measure = ImageDraw.Draw(Image.new("L", (1, 1)))
        size = lambda text: measure.textbbox((0, 0), str(text), font=font)[2:]  # noqa: E731  (width, height)
        left = 6 + max((size(t)[0] for t in row_labels), default=0) if row_labels is not None else 0
        top = 4 + max((size(t)[1] for t in col_labels), default=0) if col_labels is not None else 0
        canvas = Image.new(grid.mode, (grid.width + left, grid.height + top), 255 if grid.mode == "L" else (255,) * 3)
        canvas.paste(grid, (left, top))
        draw = ImageDraw.Draw(canvas)
        ink = 0 if grid.mode == "L" else (0, 0, 0)
        h, w = images.shape[1] + 1, images.shape[2] + 1  # a tile and its 1-pixel border
        for i, text in enumerate(row_labels or []):
            draw.text((3, top + (1 + i * h + h // 2) * scale - size(text)[1] // 2), str(text), fill=ink, font=font)
        for j, text in enumerate(col_labels or []):
            draw.text((left + (1 + j * w + w // 2) * scale - size(text)[0] // 2, 2), str(text), fill=ink, font=font,
                      align="center")  # a two-line label ("L1+cGAN\nl1_lowpass=1") centred line by line
        grid = canvas
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return image_folder.write_image(grid, path)


def save_spectrograms(path, rows, sample_rate=16000, width=900, height=160):
    """Writes labelled log-magnitude spectrograms, one panel per row, as an image; returns `path`.

    Time runs across, frequency up (low at the bottom), 80 dB of range shared
    by all panels so their levels compare; each panel's label is drawn on it.

    Args:
        rows: list of `(label, waveform)`, waveforms 1D at `sample_rate`.
        path: str. The image to write (folders are made), in the format its
            extension names (as `save_image_grid`).
        sample_rate: int. Defaults to `16000`.
        width, height: ints. Size of each panel in pixels.

    Example:

    >>> import os, tempfile
    >>> t = np.arange(8000) / 16000
    >>> path = os.path.join(tempfile.mkdtemp(), "s.png")
    >>> _ = save_spectrograms(path, [("tone", np.sin(2 * np.pi * 440 * t)), ("silence", 0 * t)], width=200, height=50)
    >>> from PIL import Image
    >>> Image.open(path).size
    (200, 108)
    """
    from PIL import Image, ImageDraw
    from scipy.signal import stft

    from keras_cgan.data import image_folder

    if not len(rows):  # was: "max() arg is an empty sequence"
        raise ValueError("`rows` must hold at least one (label, waveform) pair; got none.")
    specs = [20 * np.log10(np.abs(stft(np.asarray(x, "float64"), sample_rate, nperseg=512, noverlap=384)[2]) + 1e-5)
             for _, x in rows]
    top = max(s.max() for s in specs)
    sheet = Image.new("RGB", (width, (height + 4) * len(rows)), (255, 255, 255))
    for i, ((label, _), s) in enumerate(zip(rows, specs)):
        v = np.clip((s - (top - 80)) / 80, 0, 1)[::-1]
        rgb = np.stack([v**0.6, v**1.6, 0.35 * (1 - v) * v * 4 + v**6], -1)  # dark blue -> orange -> white
        panel = Image.fromarray((255 * np.clip(rgb, 0, 1)).astype(np.uint8)).resize((width, height))
        draw = ImageDraw.Draw(panel)
        draw.rectangle([0, 0, 8 + 7 * len(label), 16], fill=(0, 0, 0))
        draw.text((4, 2), label, fill=(255, 255, 255))
        sheet.paste(panel, (0, i * (height + 4)))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return image_folder.write_image(sheet, path)


def is_chief(model):
    """True on the process that should write files (always, except on non-chief workers).

    Under `MultiWorkerMirroredStrategy` every worker runs the callbacks; only
    the chief (worker 0) writes samples and logs, so workers do not overwrite
    each other's files.
    """
    strategy = getattr(model, "distribute_strategy", None)
    return strategy is None or distribute.is_chief(strategy)


def check_writable(name, path, folder=False, remote=False):
    """A `ValueError` naming `name` when no file can be written at `path` (with `folder`, in the folder `path`).

    Callbacks call it when training begins, so a path that is a folder, or
    lies under a file, fails then and not at the first file written. With
    `remote`, a URL (`gs://...`, which TensorFlow's file writers reach) is
    left to TensorFlow.
    """
    if remote and "://" in os.fspath(path):
        return
    if not folder and os.path.exists(path) and not os.path.isdir(path):
        if os.access(path, os.W_OK):
            return  # a file that can be replaced (or a device, `/dev/stdout`) in a folder that may be read-only
        raise ValueError(f"`{name}`: no file can be written at {path!r}: no permission to write it. Pass another path.")
    problem = checks.folder_problem(path if folder else os.path.dirname(os.path.abspath(path)))
    if problem is None and not folder and os.path.isdir(path):
        problem = f"{path} is a folder"
    if problem:
        raise ValueError(f"`{name}`: no file can be written {'in' if folder else 'at'} {path!r}: {problem}. "
                         "Pass another path.")


def on_chief(model, action, errors=(ValueError,)):
    """Runs `action()` on the chief; when it raises one of `errors` there, every worker raises.

    The chief raises its own error; under `MultiWorkerMirroredStrategy` the
    other workers raise a `ValueError` with its message, so none is left
    waiting for the chief in the next collective. Every worker must call it
    at the same point (`distribute.stop_alike`).
    """
    distribute.agreed(getattr(model, "distribute_strategy", None), action if is_chief(model) else (lambda: None), errors)


def _chief_part(callback, action, errors=(ValueError,)):
    """Runs `action()` on the chief: inside `on_chief` with `callback.agree_across_workers`, else on its own.

    Without the opt-in no collective is made: a callback passed on the chief
    alone (a common pattern) must not wait for workers that never call it.
    """
    if callback.agree_across_workers:
        on_chief(callback.model, action, errors)
    elif is_chief(callback.model):
        action()


@contextlib.contextmanager
def _naming(path):
    """Names `path` in an `OSError` of the block that names no file (a full disk: `[Errno 28] No space left ...`)."""
    try:
        yield
    except OSError as error:
        if error.filename is not None or os.fspath(path) in str(error):
            raise
        if error.errno is not None:  # the same error, read `[Errno 28] No space left on device: 'PATH'`
            error.filename = os.fspath(path)
            raise
        raise OSError(f"{path}: {error}") from error


@contextlib.contextmanager
def _loadable_copy(path):
    """The weights file `path` (a path or a `tf.io.gfile` URL) under a name Keras loads, for the block.

    A backup's previous copy (`latest.weights.h5.bkp`) is read so: Keras
    loads weights from a file named `*.weights.h5` only. A local file is
    linked from a temporary folder (no bytes copied: a full disk does not
    stop it); a URL, or a file where links cannot be made, is copied there.
    The link or copy failing raises an `OSError` or a `tf.errors.OpError`.
    """
    import tempfile

    import tensorflow as tf

    path = os.fspath(path)
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
        copy = os.path.join(folder, "previous.weights.h5")
        if "://" not in path:  # gs://...: copied
            with contextlib.suppress(OSError):  # no links here (Windows without the privilege): copied
                os.symlink(os.path.abspath(path), copy)
        if not os.path.lexists(copy):
            tf.io.gfile.copy(path, copy, overwrite=True)
        yield copy


class _UnreadableEpochFile(ValueError):
    """A backup's epoch file (`training_metadata.json`) that cannot be read; the message names it."""

    def __init__(self, path, detail):
        super().__init__(f"{path}: {detail}")
        self.path, self.detail = path, detail


class SharedBackup(keras.callbacks.BackupAndRestore):
    """Keras' `BackupAndRestore` over a backup every worker reads: the chief alone writes it, every worker restores.

    `backup_and_restore` gives it to every worker of a multi-worker run. Where
    the latest copy cannot be read (cut short by a kill: its weights or its
    epoch file), it reads the previous one (`double_checkpoint`) where it
    lies; the chief copies it over the latest when it next writes the
    backup, every worker having read it (Keras' fallback copies it on every
    worker, before reading). That write first copies the latest over the
    previous one: a readable previous copy is kept. `unreadable` then holds
    the latest copy's file that could not be read and its error, `(path,
    error)` (`None` when the latest was read).

    `agree_across_workers`: set it on every worker's copy alike (`keras-cgan
    train` does): a restore that fails on any worker, or a write that fails
    on the chief, then stops every worker with that worker's message instead
    of leaving the others waiting for it in the next collective; so do
    workers that read different copies (one read the previous copy, another
    the latest). Without it, a worker other than the chief that read the
    previous copy warns.

    Args:
        backup_dir: str. The backup folder (a path or a `gs://` URL), on
            storage every worker sees.
        **kwargs: as `keras.callbacks.BackupAndRestore` (`save_freq`,
            `double_checkpoint`, `delete_checkpoint`).

    Example:

    >>> backup = SharedBackup("runs/backup", double_checkpoint=True)
    >>> backup.agree_across_workers = True  # on every worker's copy alike
    >>> # gan.fit(dataset, epochs=10, callbacks=[backup]) on every worker
    """

    agree_across_workers = False  # see the class docstring
    _latest_unreadable = False  # the previous copy was read: the chief's next write first puts it back as the latest
    unreadable = None  # (path, error) of the latest copy's file that could not be read, when the previous one was

    def on_train_begin(self, logs=None):
        if not self.agree_across_workers:
            self.restore()
            if self.unreadable and not is_chief(self.model):  # no word from the others: this worker says it
                warnings.warn(
                    f"This worker (not the chief): {self._read_copy()}. The chief may have read the latest copy, "
                    "and the workers' weights then differ: set `agree_across_workers` on every worker's copy of "
                    "the callback for them to agree on the copy read.",
                    UserWarning,
                )
            return
        error = None
        try:
            self.restore()
        except Exception as caught:  # an OSError, or the storage's (`tf.errors`)
            error = caught
        read = distribute.stop_alike(getattr(self.model, "distribute_strategy", None), error, note=self._read_copy())
        # A worker alone falling back (its read of the latest failed, the others' did not) trained from other
        # weights, at another epoch, in silence.
        previous = [(who, said) for who, said in read if said != "latest"]
        if previous and len(previous) < len(read):
            who, said = previous[0]
            latest = ", ".join(w for w, s in read if s == "latest")
            raise ValueError(
                f"The workers read different copies of the backup in {self.backup_dir}: on {who}, {said}; "
                f"{latest} read the latest. Their weights and epochs would differ: check that every worker sees "
                "the same files there, then run again."
            )

    def _read_copy(self):
        """`"latest"`, or what this worker's `restore` read instead: the previous copy, and why."""
        if not self.unreadable:
            return "latest"
        path, error = self.unreadable
        return f"the backup {path} cannot be read ({error}); its previous copy, one save older, was loaded instead"

    def _replace_latest(self):
        """Copies the previous copy over the latest one read, as Keras does once read: the next write keeps it."""
        import tensorflow as tf

        if not self._latest_unreadable:
            return
        tf.io.gfile.copy(self._prev_weights_path, self._weights_path, overwrite=True)
        if tf.io.gfile.exists(self._prev_training_metadata_path):
            tf.io.gfile.copy(self._prev_training_metadata_path, self._training_metadata_path, overwrite=True)
        elif tf.io.gfile.exists(self._training_metadata_path):
            tf.io.gfile.remove(self._training_metadata_path)
        self._latest_unreadable = False  # once: a later write's latest is a newer epoch

    def _load_model(self):
        """Keras' `_load_model`; an epoch file it cannot read raises a `ValueError` that names it."""
        import json

        try:
            super()._load_model()
        except (json.JSONDecodeError, KeyError, TypeError) as error:  # cut short; `{}`, `[]`: no "epoch" in it
            detail = error if isinstance(error, json.JSONDecodeError) else f"no epoch in it ({type(error).__name__}: {error})"
            raise _UnreadableEpochFile(self._training_metadata_path, detail) from error

    def restore(self):
        """Loads the latest backup into the model, or the previous copy where the latest cannot be read."""
        import tensorflow as tf

        self._reading = self._weights_path  # the weights file an `OSError` is about
        self._latest_unreadable, self.unreadable = False, None  # this read's, not an earlier one's
        try:
            self._load_model()
        except (OSError, _UnreadableEpochFile) as error:
            if not tf.io.gfile.exists(self._prev_weights_path):
                raise
            self._latest_unreadable = True
            self.unreadable = (error.path, error.detail) if isinstance(error, _UnreadableEpochFile) else (
                self._weights_path, error)
            paths = self._weights_path, self._training_metadata_path
            try:
                with _loadable_copy(self._prev_weights_path) as self._weights_path:
                    self._training_metadata_path = self._prev_training_metadata_path
                    self._reading = self._prev_weights_path
                    self._load_model()
            finally:
                self._weights_path, self._training_metadata_path = paths  # where the chief writes

    def _save_model(self):  # at the same epoch end (or step) on every worker
        def save():
            # In this agreement, not one of its own when training begins: every worker has read the backup since.
            self._replace_latest()
            with _naming(self.backup_dir):
                super(SharedBackup, self)._save_model()

        _chief_part(self, save, errors=(Exception,))

    def on_train_end(self, logs=None):  # Keras' deletes the folder when `delete_checkpoint`
        if self.delete_checkpoint:
            _chief_part(self, lambda: super(SharedBackup, self).on_train_end(logs), errors=(Exception,))


def backup_and_restore(backup_dir, strategy, **kwargs):
    """`keras.callbacks.BackupAndRestore(backup_dir, **kwargs)` on one machine; a `SharedBackup` on each worker.

    Under `MultiWorkerMirroredStrategy` every worker runs the callbacks, and
    Keras' would have every worker save to (and, at the end, delete) the
    same folder. `SharedBackup` has the chief alone write it; every worker
    restores from it when training begins, so `backup_dir` must be on
    storage every worker sees. Give it to every worker.

    Args:
        backup_dir: str. The backup folder.
        strategy: `tf.distribute.Strategy`. The model's.
        **kwargs: passed to `keras.callbacks.BackupAndRestore`
            (`save_freq`, `double_checkpoint`, `delete_checkpoint`).

    Example:

    >>> import tensorflow as tf
    >>> backup = backup_and_restore("runs/backup", tf.distribute.get_strategy())
    """
    if not distribute.is_chief(strategy) or distribute.is_multi_worker(strategy):  # other processes share it
        return SharedBackup(backup_dir, **kwargs)
    return keras.callbacks.BackupAndRestore(backup_dir, **kwargs)


@contextlib.contextmanager
def _seed_kept(model):
    """Context that puts `model.seed_state` back as it was when it ends.

    Sampling in a callback must not move the training noise stream: training
    with the callback would draw other noise than without it, a callback
    sampling on the chief only would desync the workers' seed states, and a
    resumed run would draw other noise.
    """
    seed_state = getattr(model, "seed_state", None)
    kept = None if seed_state is None else np.asarray(seed_state)
    try:
        yield
    finally:
        if kept is not None:
            seed_state.assign(kept)


def _summary_metadata(plugin, content=b"", display_name=""):
    from tensorflow.core.framework import summary_pb2

    return summary_pb2.SummaryMetadata(
        display_name=display_name,
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin, content=content),
    )


class SampleWriter(keras.callbacks.Callback):
    """Base of the callbacks that write samples to disk and to TensorBoard.

    Every `every` epochs and after the last, on the chief only, it calls
    `write(epoch)`: a subclass writes its files there and logs its media with
    `log_image` / `log_audio`. With `log_dir` it also logs each epoch's losses
    as TensorBoard scalars. With `ema=True` the samples come from the averaged
    generator of a model built with `ema_decay`.

    A subclass that writes files checks their paths in `check_outputs`,
    which the chief runs when training begins. Under
    `MultiWorkerMirroredStrategy`, when every worker runs the same callbacks
    (the same script), set `agree_across_workers = True` on each worker's
    callback (`keras-cgan train` does): a check or a write that fails on the
    chief then stops every worker, with the chief's message, instead of
    leaving the others waiting. It makes one all-reduce when training
    begins, at every epoch end and when training ends, so it must be set on
    every worker alike. Left `False` (the default), no collective is made and
    the callback may be given to the chief alone.

    Args:
        every: int. Epoch interval. Defaults to `1`.
        log_dir: str or None. TensorBoard log folder. Defaults to `None`.
        log_losses: bool. Log the losses to `log_dir`; turn it off when another
            member of the family logs them to the same folder. Defaults to `True`.
        ema: bool. Sample the averaged generator. Defaults to `False`.

    Example:

    >>> class First(SampleWriter):
    ...     def write(self, epoch):
    ...         self.log_image("first", np.zeros((4, 4, 3), "uint8"), epoch + 1)
    >>> callback = First(every=5, log_dir="runs/logs")
    """

    agree_across_workers = False  # see the class docstring

    def __init__(self, every=1, log_dir=None, log_losses=True, ema=False):
        super().__init__()
        self.every = checks.integer("every", every, low=1)
        self.log_dir = checks.path("log_dir", log_dir, optional=True)
        self.log_losses, self.ema = checks.flag("log_losses", log_losses), checks.flag("ema", ema)
        self._writer = None
        self._written = None
        self._last_epoch = None

    def write(self, epoch):
        """Writes the samples of (0-based) `epoch`; subclasses implement it."""
        raise NotImplementedError

    def _write(self, epoch):
        if self._written == epoch:
            return
        self._written = epoch
        with _seed_kept(self.model):  # e.g. a rollout draws noise, on the chief only
            if self.ema:
                with self.model.ema_weights():
                    self.write(epoch)
            else:
                self.write(epoch)

    def check_outputs(self):
        """Raises a `ValueError` naming an output that cannot be written; the chief runs it when training begins.

        A subclass that writes files checks their paths here too, after
        `super().check_outputs()`: a failure then stops the chief (with
        `agree_across_workers`, every worker, with the chief's message)
        before training.
        """
        if self.log_dir:
            check_writable("log_dir", self.log_dir, folder=True, remote=True)

    def on_train_begin(self, logs=None):
        if self.ema:
            self.model._require_ema()  # fail before training, not at the first sample
        self._last_epoch = self._written = None  # a new fit (or another model) writes its own samples
        _chief_part(self, self.check_outputs)

    def on_epoch_end(self, epoch, logs=None):
        self._last_epoch = epoch  # every epoch end alike (one all-reduce when agreeing), whatever it logs
        _chief_part(self, lambda: self._log(epoch, logs, (epoch + 1) % self.every == 0), errors=(Exception,))

    def on_train_end(self, logs=None):
        if self._last_epoch is not None:  # the last epoch's samples, unless written already
            _chief_part(self, lambda: self._log(self._last_epoch, None, True), errors=(Exception,))

    def _log(self, epoch, logs, write):
        """Logs `logs` and, with `write`, writes the samples of `epoch` (the chief's part of an epoch end)."""
        if self.log_dir and self.log_losses and logs:
            for name, value in logs.items():
                self.log_scalar(name, float(np.ravel(np.asarray(value, "float64"))[0]), epoch + 1)
        if write:
            self._write(epoch)
        if self._writer is not None:
            self._writer.flush()

    # ----------------------------------------------------------- TensorBoard

    def _summary(self, tag, tensor, step, metadata):
        import tensorflow as tf

        if not self.log_dir:
            return
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        with self._writer.as_default():
            tf.summary.write(tag, tensor, step=step, metadata=metadata)

    def log_scalar(self, tag, value, step):
        """Logs one float as a TensorBoard scalar."""
        import tensorflow as tf

        self._summary(tag, tf.constant(value, "float32"), step, _summary_metadata("scalars"))

    def log_image(self, tag, image, step, display_name=""):
        """Logs uint8 `[H, W, C]` (or `[H, W]`), or `(encoded PNG/GIF bytes, (width, height))`."""
        import tensorflow as tf

        if isinstance(image, tuple):  # already encoded, e.g. an animated GIF
            encoded, (width, height) = image
        else:
            image = np.asarray(image, "uint8")
            image = image[..., None] if image.ndim == 2 else image
            encoded, (height, width) = tf.io.encode_png(image), image.shape[:2]
        # The images plugin's format: [width, height, encoded image] as strings.
        tensor = tf.stack([tf.as_string(width), tf.as_string(height), tf.convert_to_tensor(encoded)])
        self._summary(tag, tensor, step, _summary_metadata("images", display_name=display_name))

    def log_audio(self, tag, waveforms, sample_rate, step):
        """Logs waveforms `[k, T]` (or `[k, T, 1]`) in `[-1, 1]` as WAV clips."""
        import tensorflow as tf

        waves = np.asarray(waveforms, "float32").reshape(len(waveforms), -1, 1)
        clips = [tf.audio.encode_wav(np.clip(w, -1.0, 1.0), int(sample_rate)) for w in waves]
        tensor = tf.stack([tf.stack(clips), tf.constant([""] * len(clips))], axis=1)  # [k, (wav, label)]
        # AudioPluginData(encoding=WAV) serialized: field 2, value 11.
        self._summary(tag, tensor, step, _summary_metadata("audio", content=bytes([0x10, 0x0B])))


def _image_path(path):
    """`path` when it names an image file Pillow writes (`{epoch}` may be in it); else a `ValueError`."""
    from PIL import Image

    try:
        filled = str(path).format(epoch=1)
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(
            f"`path` may hold `{{epoch}}` and no other field. Received: path={path!r} ({error!r})"
        ) from error
    Image.init()
    if os.path.splitext(filled)[1].lower() not in Image.registered_extensions():
        raise ValueError(f"`path` must end in an image extension such as `.png`. Received: path={path!r}")
    return str(path)


class SampleGrid(SampleWriter):
    """Writes a grid of samples for fixed conditions and fixed noise.

    The generator runs in inference mode, so batch norm uses its moving
    statistics, as exports do. Only the chief writes (multi-worker runs).

    Args:
        conditions: array. One condition per sample, e.g.
            `np.repeat(np.arange(10), 8)` for one row of 8 per class.
        path: str. The image path (`.png`; any format `save_image_grid`
            writes); `{epoch}` in it is filled in.
        rows: int. Rows of the grid, filled row by row (`ceil(N / rows)`
            conditions a row); every row must get at least one condition.
        every: int. Write every `every` epochs (and after the last).
            Defaults to `10`.
        seed: int >= 0. Seed of the fixed noise. Defaults to `0`.
        scale: int. Nearest-neighbour upscaling of the grid. Defaults to `1`.
        row_labels, col_labels: lists of str or None. Written beside the
            rows and above the columns of the grid (see `save_image_grid`).
        log_dir, log_losses, ema: see `SampleWriter`; the grid goes to
            TensorBoard as the image `samples`.

    Example:

    >>> grid = SampleGrid(np.repeat(np.arange(10), 8), "runs/grid_{epoch}.png", rows=10, log_dir="runs/logs")
    >>> # gan.fit(ds, epochs=50, callbacks=[grid])
    """

    def __init__(self, conditions, path, rows, every=10, seed=0, scale=1, log_dir=None, log_losses=True, ema=False,
                 row_labels=None, col_labels=None):
        super().__init__(every=every, log_dir=log_dir, log_losses=log_losses, ema=ema)
        self.conditions = np.asarray(conditions)
        if self.conditions.ndim == 0 or len(self.conditions) == 0:
            raise ValueError(
                f"`conditions` must hold one condition per sample. Received shape {self.conditions.shape}."
            )
        self.rows = _check_rows(len(self.conditions), rows, "conditions")
        self.seed, self.scale = checks.integer("seed", seed, low=0), checks.integer("scale", scale, low=1)
        self.path = _image_path(path)
        _check_labels(len(self.conditions), self.rows, row_labels, col_labels, "conditions")
        self.row_labels, self.col_labels = row_labels, col_labels
        self.noise = None

    def check_outputs(self):
        super().check_outputs()
        if "{epoch" in self.path:  # a new file each epoch, in its folder
            check_writable("path", os.path.dirname(os.path.abspath(self.path.format(epoch=1))), folder=True)
        else:
            check_writable("path", self.path)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if len(self.model.generator.outputs[0].shape) != 4:
            raise ValueError(
                f"SampleGrid draws images; {type(self.model).__name__}'s generator gives "
                f"{tuple(self.model.generator.outputs[0].shape)} (for SEGAN use AudioSamples)."
            )
        self.model.check_condition(self.conditions, "SampleGrid conditions")  # before training, not at the first grid
        self.noise = None  # fixed by `seed`: the same draw for every fit of a model of this noise shape
        if self.model.noise_shape is not None:
            shape = (len(self.conditions),) + tuple(self.model.noise_shape)
            self.noise = np.random.default_rng(self.seed).standard_normal(shape).astype("float32")

    def write(self, epoch):
        images = np.asarray(self.model(self.conditions, training=False, noise=self.noise))
        save_image_grid(images, self.path.format(epoch=epoch + 1), self.rows, self.scale, self.row_labels, self.col_labels)
        if self.log_dir:
            self.log_image("samples", image_grid(images, self.rows), epoch + 1)


class AudioSamples(SampleWriter):
    """Writes enhanced versions of fixed noisy clips as WAV files (SEGAN).

    Every `every` epochs, `model.enhance(clip)` of each clip goes to
    `directory/epoch_XXX_clip_N.wav` and, with `log_dir`, to TensorBoard as
    the audio `enhanced` (the noisy clips once, as `noisy`). Only the chief
    writes.

    Args:
        clips: list of 1D arrays (any lengths) in `[-1, 1]` at the model's
            `sample_rate`.
        directory: str. Where the WAV files go.
        every, log_dir, log_losses, ema: see `SampleWriter`.

    Example:

    >>> cb = AudioSamples([np.zeros(4000)], "runs/audio", every=5, log_dir="runs/logs")
    >>> # segan.fit(ds, epochs=20, callbacks=[cb])
    """

    def __init__(self, clips, directory, every=1, log_dir=None, log_losses=True, ema=False):
        super().__init__(every=every, log_dir=log_dir, log_losses=log_losses, ema=ema)
        self.clips = [np.asarray(c) for c in clips]
        if not self.clips or any(c.size == 0 for c in self.clips):
            raise ValueError("`clips` must hold at least one non-empty waveform.")
        if any(c.ndim == 0 for c in self.clips):  # one waveform's samples, each taken for a clip
            raise ValueError(f"`clips` must be a list of waveforms; pass one waveform as `[clip]`. Received shape "
                             f"{np.shape(clips)}.")
        for i, clip in enumerate(self.clips):
            # what `model.enhance` refuses, refused before training with its messages (stereo, int16 PCM, NaN, ...)
            self.clips[i] = checks.mono(clip, f"clips[{i}]")
            checks.check_samples(clip, f"clips[{i}]", "noisy clips", "audio", use="generate", why="")
        self.clips = [c.astype("float32") for c in self.clips]
        self.directory = checks.path("directory", directory)
        self._logged_noisy = False

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if not hasattr(self.model, "enhance"):
            raise ValueError(f"AudioSamples enhances speech (SEGAN); the model is a {type(self.model).__name__}.")

    def check_outputs(self):
        super().check_outputs()
        check_writable("directory", self.directory, folder=True)

    def write(self, epoch):
        import soundfile

        rate = self.model.sample_rate
        enhanced = [self.model.enhance(clip) for clip in self.clips]
        os.makedirs(self.directory, exist_ok=True)
        for i, wave in enumerate(enhanced):
            path = os.path.join(self.directory, f"epoch_{epoch + 1:03d}_clip_{i}.wav")
            soundfile.write(path, np.clip(wave, -1.0, 1.0), rate, subtype="FLOAT")
        if self.log_dir:
            length = min(len(c) for c in self.clips)
            if not self._logged_noisy:
                self.log_audio("noisy", [c[:length] for c in self.clips], rate, 0)
                self._logged_noisy = True
            self.log_audio("enhanced", [w[:length] for w in enhanced], rate, epoch + 1)


NAN_ADVICE = (
    "Try lower learning rates (e.g. `compile(generator_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5), "
    "discriminator_optimizer=...)`), keep `compile(check_data=True)` (the default) to stop on bad data, "
    "and with `wgan-gp` keep `gradient_penalty_weight` (10)."
)


def _nonfinite(logs):
    """`(name, value)` of the first NaN or Inf among `logs`, or `None` when all are finite."""
    for name, value in (logs or {}).items():
        value = np.asarray(value, dtype="float64")
        if not np.all(np.isfinite(value)):
            return name, float(value.ravel()[~np.isfinite(value.ravel())][0])
    return None


class StopOnNaN(keras.callbacks.Callback):
    """Stops training at the first NaN or Inf in any logged loss.

    It raises instead of setting `stop_training`, so `on_train_end` does not
    run and a `keras.callbacks.BackupAndRestore` checkpoint from the last good
    epoch stays on disk for the next run. `GANModel.fit` runs it before every
    other callback (`runs_first`), so a `ModelCheckpoint` or `BackupAndRestore`
    saving every batch never saves the weights of the NaN step (that step's
    update is already applied when its loss is seen). A `KeepBestGenerator`
    of the same `fit` (with `restore_best=True`) puts its best generator back
    before the error, so the model is left with it, not with the NaN weights.
    With `steps_per_execution > 1` only the last step of each execution is
    checked.

    Example:

    >>> callbacks = [keras.callbacks.BackupAndRestore("runs/backup"), StopOnNaN()]
    """

    runs_first = True  # GANModel.fit puts it before the callbacks that save weights.

    def on_train_batch_end(self, batch, logs=None):
        found = _nonfinite(logs)
        if found:
            name, value = found
            restored = "".join(
                f" KeepBestGenerator put back its best generator (score {keep.best_score:.4g}, after "
                f"{keep.best_batch} training steps)."
                for keep in KeepBestGenerator.in_fit_of(self)
                if keep.restore_best and keep.restore()
            )
            raise FloatingPointError(
                f"`{name}` became {value} at batch {batch}; training stopped.{restored} "
                f"Checkpoints written before this batch are kept. {NAN_ADVICE} Then run the same "
                "command again to resume."
            )


def steps_per_execution(model):
    """The steps `model` runs per execution: its compiled `steps_per_execution`, 1 before `compile`."""
    return int(getattr(model, "steps_per_execution", 1) or 1)


def _train_steps(model):
    """The training steps `model` ran so far where it counts them (`GANModel._steps_run`), else None."""
    run = getattr(model, "_steps_run", None)
    return run("train") if callable(run) else None


def _steps_after(steps, callback, begin, every, ended=True):
    """`(steps + this execution's steps, whether that reached a multiple of every)`.

    Keras calls batch callbacks once per execution of `steps_per_execution`
    steps, `begin` being its first step in the epoch; an epoch's last one
    runs short when the data ends first. Where the epoch's size is unknown
    (`filter`, `from_generator`), the model's count of the steps since
    `callback._first_step` (set when training begins) says how many ran: at
    the execution's end (`ended`) it holds them; at its begin, those
    before it, and the execution counts as whole (Keras begins one more
    execution, which finds the data ended).
    """
    per_execution = steps_per_execution(callback.model)
    epoch = (getattr(callback, "params", None) or {}).get("steps")
    first = getattr(callback, "_first_step", None)
    if epoch:
        per_execution = max(min(per_execution, epoch - begin), 1)
    elif per_execution > 1 and first is not None:
        ran = _train_steps(callback.model) - first  # a host read, for data of unknown size only
        after = ran if ended else ran + per_execution
        return after, after // every > steps // every
    after = steps + per_execution
    return after, after // every > steps // every


def _stage_count(model):
    """The active stages of a model that grows (`StackGAN.stages()`), else None."""
    stages = getattr(model, "stages", None)
    return stages() if callable(stages) else None


class KeepBestGenerator(keras.callbacks.Callback):
    """Scores the generator on held-out data during training and keeps the best weights.

    Every `every` training steps (under `steps_per_execution`, at the first
    execution that reaches them) it calls `score(model)` (higher is better)
    and copies the generator's weights when the score beats the best so
    far (a NaN or infinite score is recorded but never best); at the end of training the best weights are put back (with
    `restore_best=True`). GAN training can get worse, or collapse, after it
    was good: this keeps the good generator. Score on a **validation** split
    and report quality on a separate test split, or the selection flatters
    the result.

    When the model keeps a weight average (`ema_decay=`), the averaged
    generator is scored and kept instead of the raw one; training goes on
    from the raw weights.

    Scores of a model that grows (a `StackGAN` under `GrowStages`) compare
    only at one number of active stages (`model.stages()`): each size has
    its own best, so when the count changes the best starts afresh, and the
    generator put back is the best since the last growth.

    Scoring leaves the model's noise stream (`seed_state`) as it was, so
    training with this callback draws the same noise as training without it.

    Each `fit` keeps its own best, from its first step: a second `fit`, or a
    run resumed by `keras.callbacks.BackupAndRestore` (which saves the model,
    not the best kept here), starts afresh, and `history` counts its steps.

    Args:
        score: callable `model -> float`, e.g.
            `keras_cgan.models.next_frame_gan.junction_score(...)`.
        every: int. Training steps between scores. Defaults to `500`.
        restore_best: bool. Put the best weights into `model.generator` (and
            its weight average, with `ema_decay`) when training ends, or
            when `StopOnNaN` stops it; it warns when no score was finite, so
            there is no best. Defaults to `True`.
        verbose: int. `1` prints every score (on the chief only, in
            multi-worker runs). Defaults to `0`.

    Attributes:
        history: list of `(batch, score)` pairs, one per scoring; `batch`
            counts training steps.
        best_score, best_batch: the best finite score and when it was
            reached; `None` while no score was finite.
        best_stages: the model's active stages (`model.stages()`) at the
            latest scoring, which the best belongs to; `None` for models
            that do not grow.

    Example:

    >>> keep = KeepBestGenerator(lambda model: 0.0, every=100)
    >>> keep.every
    100
    """

    _instances = weakref.WeakSet()  # for `in_fit_of`

    def __init__(self, score, every=500, restore_best=True, verbose=0):
        super().__init__()
        if not callable(score):
            raise ValueError(f"`score` must be callable `model -> float`. Received: {score!r}")
        self.score, self.every = score, checks.integer("every", every, low=1)
        self.restore_best = checks.flag("restore_best", restore_best)
        self.verbose = checks.integer("verbose", verbose, low=0)
        self.on_train_begin()
        KeepBestGenerator._instances.add(self)

    @classmethod
    def in_fit_of(cls, callback):
        """The `KeepBestGenerator`s of the `fit` that `callback` runs in (Keras gives a fit's callbacks one `params`)."""
        return [keep for keep in list(cls._instances) if keep.params is callback.params and keep.model is callback.model]

    def restore(self):
        """Puts the best weights into `model.generator` (and its average, with `ema_decay`).

        Returns False, changing nothing, when there is no best yet or the
        model has grown since it was scored (its new stages would go back
        to their initial weights).
        """
        if self.best_weights is None or _stage_count(self.model) != self.best_stages:
            return False
        self.model.generator.set_weights(self.best_weights)
        if getattr(self.model, "ema_variables", None):  # the best was scored with the average: it is the average
            self.model.reset_ema()
        return True

    def _evaluate(self):
        model = self.model
        with _seed_kept(model), model.sampling_weights():
            value = float(self.score(model))
            candidate = model.generator.get_weights()
        self.history.append((self._batches, value))
        stages = _stage_count(model)
        if stages != self.best_stages:  # grown: scored at another size, the best starts afresh
            self.best_score, self.best_batch, self.best_weights, self.best_stages = None, None, None, stages
        if np.isfinite(value) and (self.best_score is None or value > self.best_score):
            self.best_score, self.best_batch, self.best_weights = value, self._batches, candidate
        if self.verbose and is_chief(model):  # every worker scores; one prints
            best = "none finite yet" if self.best_score is None else f"{self.best_score:.4f} at batch {self.best_batch}"
            print(f"KeepBestGenerator: batch {self._batches} score {value:.4f} (best {best})", flush=True)

    def on_train_begin(self, logs=None):  # each fit keeps its own best
        self.history, self.best_score, self.best_batch, self.best_weights = [], None, None, None
        self.best_stages, self._batches, self._first_step = None, 0, _train_steps(self.model)

    def on_train_batch_end(self, batch, logs=None):
        begin = batch - steps_per_execution(self.model) + 1  # Keras passes the execution's last step
        self._batches, crossed = _steps_after(self._batches, self, begin, self.every)
        if crossed:
            self._evaluate()

    def on_train_end(self, logs=None):
        if not self.history or self.history[-1][0] != self._batches:
            self._evaluate()  # the final weights get a say too
        if self.restore_best and not self.restore() and is_chief(self.model):
            grown = "" if self.best_stages is None else f" at {self.best_stages} active stage(s)"
            warnings.warn(
                f"KeepBestGenerator: no score was finite in this fit{grown} (the last: {self.history[-1][1]}), so "
                "there is no best to put back: the generator keeps its final weights. Check that `score` "
                "returns a finite number for a working generator.",
                stacklevel=checks.user_stacklevel(),  # the `fit` call, not Keras' callback list
            )


# ------------------------------------------------------------ collapse guard


class CollapseWarning(UserWarning):
    """What `CollapseMonitor` warns with; `warnings.simplefilter("ignore", CollapseWarning)` silences it."""


def probe_batch(x, y=None, size=8):
    """Up to `size` `(conditions, targets)` rows from what `fit` trains on, or `(None, None)`.

    Reads the first batches of a `tf.data.Dataset` of `(condition, target)`
    pairs (a fresh iterator, so training still begins with a first batch;
    but a dataset that reshuffles each iteration then trains on a later
    shuffle, as a second `fit` would, and on a later one still when its
    prefetching ran past an epoch of a repeated dataset), or
    the first rows of arrays `x`, `y`. Conditions may be a tensor or a
    tuple, list or dict of them. Anything else (a distributed dataset, a
    Python generator, a `PyDataset`) gives `(None, None)`.

    Example:

    >>> conditions, targets = probe_batch(np.arange(20), np.zeros((20, 4, 4, 1)), size=4)
    >>> conditions.tolist(), targets.shape
    ([0, 1, 2, 3], (4, 4, 4, 1))
    """
    import tensorflow as tf

    def rows(values):
        return tf.nest.map_structure(lambda v: np.asarray(v)[:size], values)

    try:
        if isinstance(x, tf.data.Dataset):
            batches, count = [], 0
            for element in x.take(size):  # batches of one row need several
                if not isinstance(element, (tuple, list)) or len(element) != 2:
                    return None, None
                batches.append(tf.nest.map_structure(np.asarray, tuple(element)))
                count += len(tf.nest.flatten(batches[-1][0])[0])
                if count >= size:
                    break
            if not batches:
                return None, None
            joined = tf.nest.map_structure(lambda *parts: np.concatenate(parts), *batches)
            return rows(checks.single(joined[0])), rows(checks.single(joined[1]))
        if x is not None and all(hasattr(v, "shape") and np.ndim(v) for v in tf.nest.flatten(x)):
            return rows(x), None if y is None or not hasattr(y, "shape") else rows(y)
    except (TypeError, ValueError, tf.errors.OpError):
        pass  # an element the probe cannot batch: watch the logs only
    return None, None


# Per adversarial loss: D has won when `d_real` and `d_fake` are both below the
# first number and `g_adv` is above the second (bce: D says real > 0.95 and
# fake < 0.05; hinge: both scores past the margin; lsgan with its 1/2: scores
# within 0.2 of their targets). wgan-gp: None, the check does not apply. A
# critic's scores have no bound to be near (they shift freely, and grow with
# how far apart real and generated samples are), and a critic that tells them
# apart still gives the generator gradients (held near norm 1 by the penalty):
# that it wins is no failure.
_WON = {"bce": (0.05, 3.0), "hinge": (0.05, 1.0), "lsgan": (0.02, 0.32), "wgan-gp": None}


NEAR_LIMIT = 0.15  # a target value this close to +-1 counts as at the limit


def limit_shares(output, targets=None, limit=0.99, near=NEAR_LIMIT):
    """Shares of `output` values at the limits, `(at +1, at -1)`, and of `targets` near them.

    An output value is at a limit when `|x| > limit`; a target value counts
    as near one within `near` of it, so data drawn at +-0.9 does not make a
    generator that draws +-1 look saturated. Returns
    `(out_high, out_low, target_high, target_low)`; the target shares are
    `None` without targets.

    Example:

    >>> limit_shares([1.0, 1.0, -1.0, 0.2], targets=[0.9, 0.9, -1.0, 0.0])
    (0.5, 0.25, 0.5, 0.25)
    """
    out = np.asarray(output, "float32")
    shares = [float(np.mean(out > limit)), float(np.mean(out < -limit))]
    if targets is None:
        return (*shares, None, None)
    target = np.asarray(targets, "float32")
    return (*shares, float(np.mean(target > 1.0 - near)), float(np.mean(target < near - 1.0)))


def is_saturated(shares, saturation=0.9, margin=0.1):
    """Whether `limit_shares` says saturated: more than `saturation` at the limits and, with
    targets, more at one limit than targets near it plus `margin`.

    Example:

    >>> is_saturated(limit_shares([1.0] * 4, targets=[0.9] * 4)), is_saturated(limit_shares([1.0] * 4))
    (False, True)
    """
    high, low, target_high, target_low = shares
    beyond_targets = target_high is None or high > target_high + margin or low > target_low + margin
    return high + low > saturation and beyond_targets


class CollapseMonitor(keras.callbacks.Callback):
    """Warns, once per kind, when a GAN's training fails in one of the common ways.

    Every `every` training steps (under `steps_per_execution`, before the
    execution that reaches them) and at every epoch end it reads the running
    losses and runs the generator once, in inference mode with fixed noise, on a
    small fixed probe batch of conditions. A failure must last `patience`
    checks in a row (NaN: one) before it is reported, as a `CollapseWarning`
    that says what was seen, with its numbers, and what to try; one that
    began too late to last that long is reported when training ends:

    - `"nan"`: a logged loss is NaN or Inf (`StopOnNaN` stops the run there);
    - `"constant"`: the samples for different conditions and noise are nearly
      the same (spread across the batch below `min_std`);
    - `"saturated"`: more than `saturation` of the output values sit at the
      output limits (`|x| > 0.99`), e.g. all-black frames; with targets, only
      when more sit at one limit than targets sit near it (`is_saturated`);
    - `"discriminator_wins"`: `d_real` and `d_fake` near 0 while `g_adv` is
      high: D tells real from generated outright and G learns nothing (not
      checked for `adversarial_loss="wgan-gp"`: a critic's scores have no
      such bound, and G learns from a critic that wins);
    - `"mode_collapse"`: (models whose samples should vary for one condition,
      `ConditionalGAN` and `StackGAN`) a second noise draw changes the
      samples by less than `min_variety` of how much they differ across
      conditions: every condition has collapsed to one sample.

    `GANModel.fit` adds one by default, with the first rows of its training
    data as the probe; `fit(..., diagnose=False)` leaves it out, and a
    monitor passed in `callbacks` replaces it (without `conditions` its
    probe is taken from each `fit`'s data in the same way; given
    `conditions` are kept, and checked against the model when training
    begins). Without a probe batch only the losses are watched. Between
    checks it costs nothing: it reads no loss and makes no host sync.

    Args:
        conditions: array, or tuple/list of arrays, or None. The probe's
            conditions; `None` lets each `fit` take them from its data.
            Defaults to `None`.
        targets: array or None. The probe's targets: when given, output is
            only called constant or saturated if the targets are not
            (saturated: sits at a limit more often than the targets sit
            near it).
            Defaults to `None`.
        every: int. Training steps between checks. Defaults to `200`.
        patience: int. Checks in a row a failure must last. Defaults to `3`.
        min_std: float. Spread across the batch below which output is
            constant. Defaults to `1e-3`.
        saturation: float. Fraction of output values at the output limits
            above which output is saturated. Defaults to `0.9`.
        min_variety: float. Change between two noise draws, as a share of
            the spread across conditions, below which the samples of each
            condition have collapsed to one. Defaults to `0.1`.
        path: str or None. A text file each warning is appended to (the
            command line's `diagnostics.txt`). Defaults to `None`.

    Attributes:
        seen: dict. Kind -> message of every warning given in the latest
            `fit`: each `fit` (a resumed run too) warns afresh, once per kind.
        probe_from_data: bool. Whether the probe came from `fit`'s data
            (the next `fit` takes its own).
        agree_across_workers: bool. Set on every worker's monitor alike
            (`keras-cgan train` does): a `path` the chief cannot write then
            stops every worker, in one all-reduce when training begins (see
            `SampleWriter`). Defaults to `False`: no collective, so a
            monitor may be given to the chief alone.

    Example:

    >>> import warnings
    >>> monitor = CollapseMonitor(every=100)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     monitor.check({"d_loss": float("nan"), "g_loss": 1.0})
    >>> sorted(monitor.seen), caught[0].category.__name__
    (['nan'], 'CollapseWarning')
    """

    agree_across_workers = False

    def __init__(
        self, conditions=None, targets=None, every=200, patience=3, min_std=1e-3, saturation=0.9, min_variety=0.1,
        path=None,
    ):
        super().__init__()
        self.every, self.patience = checks.integer("every", every, low=1), checks.integer("patience", patience, low=1)
        self.min_std = checks.number("min_std", min_std)
        self.saturation = checks.number("saturation", saturation, low=0.0, high=1.0, low_open=True)
        self.min_variety = checks.number("min_variety", min_variety)
        self.path = checks.path("path", path, optional=True)
        self.conditions, self.targets = None, None
        self.set_probe(conditions, targets)
        self.seen = {}
        self._streaks, self._failing = {}, {}
        self._batches, self._epoch, self._noise = 0, 0, None

    def set_probe(self, conditions, targets=None, from_data=False):
        """Sets the probe batch (conditions, and targets or None); `None` conditions probe nothing.

        `from_data=True` (what `GANModel.fit` passes) marks a probe taken
        from the training data, which the next `fit` replaces.
        """
        import tensorflow as tf

        if isinstance(conditions, (list, tuple)) and not any(np.ndim(c) for c in conditions):
            conditions = np.asarray(conditions)  # Python ids, one per row, as the model takes them
        self.conditions = None if conditions is None else tf.nest.map_structure(np.asarray, conditions)
        self.targets = None if targets is None or conditions is None else np.asarray(targets, "float32")
        self.probe_from_data = checks.flag("from_data", from_data)
        self._noise = None

    # ------------------------------------------------------------ schedule

    def on_train_begin(self, logs=None):
        # The first warning would fail to be written, and stop training (with `agree_across_workers`,
        # on every worker alike).
        _chief_part(self, lambda: self.path and check_writable("path", self.path))
        # Each fit warns afresh (a second fit, or a resumed one, that still fails is told so);
        # given conditions and the `path` file, appended to, persist.
        self.seen, self._streaks, self._failing, self._batches = {}, {}, {}, 0
        self._first_step = _train_steps(self.model)
        self._noise = None  # drawn for this model's noise shape
        check = getattr(self.model, "check_condition", None)  # a GANModel's, as SampleGrid checks its conditions
        if check is not None and hasattr(self.conditions, "shape") and not self.probe_from_data:  # the user's
            check(self.conditions, "CollapseMonitor conditions")

    def on_train_end(self, logs=None):
        # A failure still under way when training ends is said, however few checks it lasted.
        for kind, (message, where) in self._failing.items():
            streak = self._streaks.get(kind, 0)  # 0 once a check of the kind passed again
            if kind not in self.seen and 0 < streak < self.patience:
                ended = f"at the last {streak} check(s) before training ended, the last at {where}"
                self._report(kind, message.replace(self._held(where), ended), patience=1)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        # The running means of the batches before this one, read only every
        # `every` steps: `on_train_batch_end` would make Keras sync every step.
        self._batches, crossed = _steps_after(self._batches, self, batch, self.every, ended=False)
        if batch and crossed:
            self.check(self._running_losses(), batch=batch)

    def on_epoch_end(self, epoch, logs=None):
        self.check(logs)

    def _running_losses(self):
        import tensorflow as tf

        trackers = getattr(self.model, "trackers", None)
        strategy = getattr(self.model, "distribute_strategy", None)
        if not trackers or isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
            return {}  # workers would have to read in step: the epoch's logs suffice
        value = lambda v: float(keras.ops.convert_to_numpy(v))  # noqa: E731  (sums the replicas' copies)
        return {name: value(t.result()) for name, t in trackers.items() if value(t.count) > 0}

    # -------------------------------------------------------------- checks

    def check(self, logs, batch=None):
        """Checks `logs` (and the probe, with a model) once; warns about what newly failed."""
        where = f"epoch {self._epoch + 1}" + ("" if batch is None else f", batch {batch}")
        found = _nonfinite(logs)
        if found:
            name, value = found
            self._report("nan", f"`{name}` became {value} at {where}. {NAN_ADVICE} `StopOnNaN()` in "
                         "`callbacks` stops the run there and keeps the last good checkpoint.", patience=1)
            return
        self._check_discriminator(logs or {}, where)
        if self.conditions is not None and self.model is not None:
            self._check_output(where)

    def _check_discriminator(self, logs, where):
        model = self.model
        won = _WON.get(getattr(model, "adversarial_loss", "bce"))
        names = ("d_real", "d_fake", "g_adv")
        needed = all(name in logs for name in names)
        if won is None or not needed or getattr(model, "adversarial_weight", 1.0) == 0:
            return
        warmup = getattr(model, "adversarial_warmup", 0)  # NextFrameGAN: G does not fight D yet
        if warmup and int(keras.ops.convert_to_numpy(model.generator_optimizer.iterations)) < warmup:
            return
        d_real, d_fake, g_adv = (float(np.ravel(logs[name])[0]) for name in names)
        self._report(
            "discriminator_wins",
            f"the discriminator wins outright {self._held(where)}: d_real "
            f"{d_real:.3g} and d_fake {d_fake:.3g} (it tells real from generated almost perfectly) while "
            f"g_adv is {g_adv:.3g}, so the generator learns little from it. Try `compile(r1_weight=1.0)` "
            "(a higher weight, up to 10, if one is set), a lower discriminator learning rate (e.g. "
            "`compile(discriminator_optimizer=keras.optimizers.Adam(5e-5, beta_1=0.5))`) or a higher generator "
            "one, or `spectral_norm=True` in the discriminator (where its builder takes it).",
            failed=d_real < won[0] and d_fake < won[0] and g_adv > won[1], where=where,
        )

    def _probe_output(self, draw=0):
        """The generator's output on the probe, `[rows, -1]`, with fixed noise draw `draw` (0 or 1)."""
        model = self.model
        rows = len(_flat(self.conditions)[0])
        shape = getattr(model, "noise_shape", None)
        if shape is not None and self._noise is None:
            self._noise = np.random.default_rng(0).standard_normal((2, rows) + tuple(shape)).astype("float32")
        with _seed_kept(model):
            output = model(self.conditions, training=False, noise=None if shape is None else self._noise[draw])
        return np.asarray(output, "float32").reshape(rows, -1)

    def _check_output(self, where):
        output = self._probe_output()
        rows = len(output)
        target = None if self.targets is None else self.targets.reshape(len(self.targets), -1)
        shares = limit_shares(output, target)
        high, low, target_high, target_low = shares
        seen_targets = "" if target is None else (
            f"; of the targets', {target_high:.0%} and {target_low:.0%} are within {NEAR_LIMIT} of +1 and -1"
        )
        self._report(
            "saturated",
            f"saturated output {self._held(where)}: {high + low:.0%} of the generator's output values sit at "
            f"the output limits (|x| > 0.99: {high:.0%} at +1, {low:.0%} at -1){seen_targets}, e.g. all-black or "
            "all-white samples (a tanh output passes almost no gradient there; NextFrameGAN and ConditionalGAN "
            "generators take `output_activation=\"linear\"`). Try a lower generator learning rate "
            "(e.g. `compile(generator_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5))`), a lower "
            "`adversarial_weight`, `ema_decay=0.999`, and check that the targets are scaled to [-1, 1].",
            failed=is_saturated(shares, self.saturation), where=where,
        )
        if rows < 2 or (getattr(self.model, "noise_shape", None) is None and not self._conditions_differ()):
            return  # equal conditions and no noise: equal samples are right
        spread = float(output.std(axis=0).mean())
        target_spread = None if target is None or len(target) < 2 else float(target.std(axis=0).mean())
        seen_targets = "" if target_spread is None else f"; the targets' {target_spread:.3g}"
        self._report(
            "constant",
            f"constant output {self._held(where)}: the generator makes nearly "
            f"the same sample for {rows} different conditions and noise draws (spread across the batch "
            f"{spread:.3g}{seen_targets}): it ignores its inputs, or has collapsed to one mode. Try a lower "
            "discriminator learning rate, `compile(r1_weight=1.0)`, `spectral_norm=True` in the "
            "discriminator, a lower `adversarial_weight`, and check that the noise and the condition reach "
            "the generator (a custom generator must use both inputs).",
            failed=spread < self.min_std and (target_spread is None or target_spread > 10 * self.min_std),
            where=where,
        )
        varied = getattr(self.model, "varied_per_condition", False) and self.model.noise_shape is not None
        if varied and spread >= self.min_std:
            variety = float(np.abs(self._probe_output(draw=1) - output).mean())
            self._report(
                "mode_collapse",
                f"mode collapse within a condition {self._held(where)}: a second noise draw changes the "
                f"samples by {variety:.3g} on average while samples of different conditions differ by "
                f"{spread:.3g}: the generator draws one sample per condition whatever its noise. Try "
                "the mode-seeking term `diversity_weight=1.0` (higher if it is on), `compile(r1_weight=1.0)`, "
                "a lower discriminator learning rate, or `ema_decay=0.999`; check that a custom generator "
                "uses its noise input.",
                failed=variety < self.min_variety * spread, where=where,
            )

    def _held(self, where):
        return f"for {self.patience} checks in a row, the last at {where}" if self.patience > 1 else f"at {where}"

    def _conditions_differ(self):
        return any(np.ptp(np.asarray(c, "float64").reshape(len(c), -1), axis=0).max(initial=0) > 0
                   for c in _flat(self.conditions))

    def _report(self, kind, message, failed=True, patience=None, where=None):
        """Counts a failed check of `kind` (at `where`); warns once, after `patience` in a row."""
        self._streaks[kind] = self._streaks.get(kind, 0) + 1 if failed else 0
        if failed and where is not None:  # the latest failed check of each kind, for `on_train_end`
            self._failing[kind] = (message, where)
        if kind in self.seen or self._streaks[kind] < (patience or self.patience):
            return
        self.seen[kind] = message
        if self.model is not None and not is_chief(self.model):
            return
        unwritten = ""
        if self.path:
            try:
                os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
                with open(self.path, "a", encoding="utf-8") as f:
                    f.write(f"{kind}: {message}\n")
            except OSError as error:  # the warning says it; raising would stop the chief alone, mid-run
                unwritten = f" (not appended to `path` {self.path!r}: {error.strerror or error})"
        warnings.warn(f"CollapseMonitor: {message}{unwritten}", CollapseWarning,
                      stacklevel=checks.user_stacklevel())


def _flat(structure):
    """The arrays of a condition structure (an array, or a tuple, list or dict of arrays), in order."""
    import tensorflow as tf

    return tf.nest.flatten(structure)
