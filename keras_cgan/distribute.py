"""Picking a `tf.distribute` strategy by name, and the global batch it needs.

TensorFlow does the distribution; this module only chooses the strategy,
checks `TF_CONFIG` before TensorFlow reads it (a malformed `TF_CONFIG`
otherwise fails deep inside the gRPC server or hangs), and turns a batch size
into the global batch the dataset must yield.

* `"default"`: one device (TensorFlow's default strategy).
* `"mirrored"`: `MirroredStrategy` over the local GPUs, or over
  `KERAS_CGAN_LOGICAL_CPUS` logical CPU devices when there is no GPU (the
  CPU is split in N devices; this tests multi-replica code on a laptop or in
  CI and does not make training faster).
* `"multiworker"`: `MultiWorkerMirroredStrategy` over the machines listed in
  `TF_CONFIG` (every machine runs the same command; see docs/cli.md, "Several GPUs, several machines").

Example:

>>> from keras_cgan import distribute
>>> strategy = distribute.make_strategy("default")
>>> distribute.global_batch_size(8, strategy, per_replica=True)
8
>>> distribute.parse_tf_config('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}')["task"]
{'type': 'worker', 'index': 1}
"""

import json
import os
import re

from keras_cgan import checks

STRATEGIES = ("default", "mirrored", "multiworker")
LOGICAL_CPUS_ENV = "KERAS_CGAN_LOGICAL_CPUS"
_TASK_TYPES = ("chief", "worker", "evaluator", "ps")
_ADDRESS = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.\-]+):(\d{1,5})$")


def _tf_config_error(field, problem):
    return ValueError(f"TF_CONFIG {field}: {problem} (see 'Several GPUs, several machines' in docs/cli.md for the format).")


def parse_tf_config(text):
    """Parses and checks a `TF_CONFIG` JSON string; returns the dict.

    Args:
        text: str. The value of the `TF_CONFIG` environment variable, e.g.
            `{"cluster": {"worker": ["host1:12345", "host2:12345"]},
            "task": {"type": "worker", "index": 0}}`.

    Raises:
        ValueError: naming `TF_CONFIG` and the field at fault: not JSON,
            `cluster` or `task` missing, a task type not in the cluster, a
            task index out of range, or an address not `host:port`.
    """
    try:
        config = json.loads(text)
    except (TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"TF_CONFIG is not valid JSON ({error}). Received: TF_CONFIG={text!r}") from None
    if not isinstance(config, dict):
        raise _tf_config_error("", f"must be a JSON object with `cluster` and `task`; received {text!r}")
    cluster, task = config.get("cluster"), config.get("task")
    if not isinstance(cluster, dict) or not cluster:
        raise _tf_config_error("`cluster`", f"missing or empty; expected {{\"worker\": [\"host:port\", ...]}}; received {cluster!r}")
    if not isinstance(task, dict):
        raise _tf_config_error("`task`", f"missing; expected {{\"type\": \"worker\", \"index\": 0}}; received {task!r}")
    for job, addresses in cluster.items():
        if job not in _TASK_TYPES:
            raise _tf_config_error(f"`cluster.{job}`", f"unknown job name; expected one of {_TASK_TYPES}")
        if not isinstance(addresses, list) or not addresses:
            raise _tf_config_error(f"`cluster.{job}`", f"must be a non-empty list of \"host:port\"; received {addresses!r}")
        for i, address in enumerate(addresses):
            match = _ADDRESS.match(address) if isinstance(address, str) else None
            if not match or not 0 < int(match.group(2)) < 65536:
                raise _tf_config_error(f"`cluster.{job}[{i}]`", f"{address!r} is not a \"host:port\" address")
    task_type, index = task.get("type"), task.get("index")
    if task_type not in cluster:
        raise _tf_config_error("`task.type`", f"{task_type!r} is not a job of the cluster {sorted(cluster)}")
    if isinstance(index, bool) or not isinstance(index, int):
        raise _tf_config_error("`task.index`", f"must be an int; received {index!r}")
    if not 0 <= index < len(cluster[task_type]):
        raise _tf_config_error(
            "`task.index`",
            f"{index} is out of range: the cluster has {len(cluster[task_type])} {task_type!r} task(s)",
        )
    return config


def _logical_cpus():
    value = os.environ.get(LOGICAL_CPUS_ENV)
    if not value:
        return 0
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{LOGICAL_CPUS_ENV} must be a positive int. Received: {LOGICAL_CPUS_ENV}={value!r}")
    return int(value)


def _split_cpu(count):
    """Splits the first CPU in `count` logical devices (before TensorFlow initializes)."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if current and len(current) == count:
        return
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError as error:  # the runtime is already initialized
        raise ValueError(
            f"{LOGICAL_CPUS_ENV}={count}: logical CPUs must be set before TensorFlow initializes; "
            "set it in the environment of a fresh process."
        ) from error


def make_strategy(name="default"):
    """Returns the `tf.distribute.Strategy` called `name`.

    Args:
        name: str. `"default"`, `"mirrored"` or `"multiworker"`. Defaults to
            `"default"`.

    The environment variable `KERAS_CGAN_LOGICAL_CPUS=N` splits the CPU in N
    logical devices; `"mirrored"` uses them when there is no GPU. It must be
    set before TensorFlow initializes (call this first in the process).
    """
    if name not in STRATEGIES:
        raise ValueError(f"`strategy` must be one of {STRATEGIES}. Received: strategy={name!r}")
    if name == "multiworker":
        text = os.environ.get("TF_CONFIG")
        if not text:
            raise ValueError(
                "TF_CONFIG is not set: --strategy multiworker needs it on every machine, e.g. "
                'TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                '"task": {"type": "worker", "index": 0}}\'. On one machine use --strategy mirrored.'
            )
        parse_tf_config(text)
    count = _logical_cpus()
    if count:
        _split_cpu(count)
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if tf.config.list_logical_devices("GPU") or count < 2:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(count)])


def _strategy(strategy):
    """`strategy` when it is a `tf.distribute.Strategy` (or acts as one); a `ValueError` naming `make_strategy`."""
    if not hasattr(strategy, "num_replicas_in_sync"):
        raise ValueError(
            f"`strategy` must be a tf.distribute.Strategy (make one with `make_strategy(name)`). "
            f"Received: {strategy!r}"
        )
    return strategy


def is_chief(strategy):
    """True unless `strategy` is multi-worker and this process is not its chief.

    Only the chief writes files (config, samples, saved models); every worker
    reads the chief's backup to resume.
    """
    return bool(getattr(_strategy(strategy).extended, "should_checkpoint", True))


def barrier(strategy):
    """Blocks until every worker of a multi-worker `strategy` gets here (a one-number all-reduce).

    A worker that exits while the chief still writes files stops sending
    heartbeats and the chief's coordination service reports it as crashed.
    """
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None)


MESSAGE_BYTES = 4096  # what one worker's message carries of a longer one
_HEADER = 3  # a worker's slot: [length + 1 (0: no message), 1 on the chief, task index] + MESSAGE_BYTES codes


def is_multi_worker(strategy):
    """True when `strategy` is a `MultiWorkerMirroredStrategy` (its workers must agree on every stop)."""
    import tensorflow as tf

    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def _encode(strategy, message):
    """This worker's slot of a `worker_messages` all-reduce (float32 codes; zeros when `message` is None)."""
    slot = [0.0] * (_HEADER + MESSAGE_BYTES)
    if message is not None:
        data = list(message.encode()[:MESSAGE_BYTES])
        resolver = getattr(strategy, "cluster_resolver", None)
        slot[:_HEADER] = [len(data) + 1, float(is_chief(strategy)), getattr(resolver, "task_id", 0) or 0]
        slot[_HEADER : _HEADER + len(data)] = data
    return slot


def _decode(slots):
    """`[(who, message), ...]` of the slots that carry one: the chief's first, then by worker."""
    found = []
    for slot in slots:
        codes = [int(round(v)) for v in slot]
        if codes[0]:
            who = "the chief" if codes[1] else f"worker {codes[2]}"
            text = bytes(codes[_HEADER : _HEADER + codes[0] - 1]).decode(errors="ignore")  # a cut may split a character
            found.append((who, text))
    return sorted(found, key=lambda item: item[0] != "the chief")


def _gather_slots(strategy, slot):
    """Every worker's `slot`, `[workers, len(slot)]`: one SUM all-reduce, each worker's slot at its place."""
    import tensorflow as tf

    local = len(strategy.extended.worker_devices)
    workers = strategy.num_replicas_in_sync // local

    def share(context):  # from each worker's first replica only; its worker is replica_id // local
        worker, first = divmod(context.replica_id_in_sync_group, local)
        rows = tf.one_hot(worker, workers, dtype="float32")[:, None] * tf.constant([slot], "float32")
        return rows if first == 0 else tf.zeros_like(rows)

    total = strategy.reduce("SUM", strategy.experimental_distribute_values_from_function(share), axis=None)
    return total.numpy()


def worker_messages(strategy, message):
    """Every worker's `message` (a str, or None) on every worker of a multi-worker `strategy`: `[(who, message)]`.

    `who` is `"the chief"` or `"worker N"` (N: the task index in
    `TF_CONFIG`); the chief's message comes first, then the others' by
    worker; workers without a message are left out. Elsewhere it is
    `[("this worker", message)]`, or `[]`. Every worker must call it at the
    same point: it is one all-reduce. Up to `MESSAGE_BYTES` bytes of UTF-8
    travel from each worker.
    """
    if not is_multi_worker(strategy):
        return [] if message is None else [("this worker", message)]
    return _decode(_gather_slots(strategy, _encode(strategy, message)))


def stop_alike(strategy, error, note=None):
    """Raises `error` (this worker's, or None) and, when another worker has one, a `ValueError` on every worker.

    Every worker of a multi-worker `strategy` must call it at the same
    point, with what its own check raised (one `worker_messages`): a check
    that fails on one worker (the chief alone writes the run folder; each
    worker reads its own data) then stops every worker, each with the
    message of the worker that failed (the chief's first), instead of
    leaving the others waiting for it in the next collective. Elsewhere it
    raises `error`, if any.

    `note` (a str, or None) is this worker's word when it has no error,
    carried in the same all-reduce: when no worker stopped, every worker
    gets `[(who, note)]` of the workers that gave one (the chief's first).
    """
    told = None if error is None else str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
    # One mark ahead of each: "!" an error, "." a note.
    message = "!" + told if told is not None else None if note is None else "." + note
    sent = worker_messages(strategy, message) if strategy is not None else []
    if error is not None:
        raise error
    stops = [(who, text[1:]) for who, text in sent if text.startswith("!")]
    if stops:
        who, message = stops[0]
        stopped = "The chief worker" if who == "the chief" else who.capitalize()
        raise ValueError(f"{stopped} stopped, so this worker stops too. On {who}: {message}")
    return [(who, text[1:]) for who, text in sent]


def agreed(strategy, action, errors=(ValueError, OSError)):
    """`action()`'s result, when it raised none of `errors` on any worker: `stop_alike` around `action`.

    Every worker of a multi-worker `strategy` must call it at the same point.
    """
    result = error = None
    try:
        result = action()
    except errors as caught:
        error = caught
    stop_alike(strategy, error)
    return result


def global_batch_size(batch_size, strategy, per_replica=False):
    """The global batch a dataset must yield for `strategy`.

    Args:
        batch_size: int. A global batch, or a per-replica batch with
            `per_replica=True`.
        strategy: `tf.distribute.Strategy`.
        per_replica: bool. `batch_size` is per replica. Defaults to `False`.

    Raises:
        ValueError: a non-positive batch, or a global batch that does not
            split evenly over the replicas.
    """
    batch_size = checks.integer("batch_size", batch_size, low=1)
    per_replica = checks.flag("per_replica", per_replica)
    replicas = _strategy(strategy).num_replicas_in_sync
    if per_replica:
        return batch_size * replicas
    if batch_size % replicas:
        raise ValueError(
            f"The global batch size {batch_size} does not split evenly over {replicas} replicas; "
            f"use a multiple of {replicas} (or a per-replica batch size)."
        )
    return batch_size


def shard_by_data(dataset):
    """Sets the auto-shard policy of `dataset` to DATA (each worker keeps 1/N of every batch).

    File-based sharding needs at least one file per worker; DATA works for any
    pipeline, including in-memory arrays and generators.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


# ------------------------------------------------------------------ in-graph helpers
# Used inside a replica's step: they work under any strategy and reduce to
# the identity on one device (no collective is issued there).


def _replica_context():
    """`(context, replica_id, num_replicas)`; `context` is None on one device."""
    import tensorflow as tf

    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        return None, 0, 1
    return ctx, ctx.replica_id_in_sync_group, ctx.num_replicas_in_sync


def batch_position(local_size):
    """Where this replica's rows sit in the global batch: `(offset, total)` int32 tensors.

    Replicas may hold different numbers of rows (an uneven last batch), none
    at all included. One all-reduce of `num_replicas` numbers.

    Args:
        local_size: int or scalar tensor. Rows on this replica.
    """
    import tensorflow as tf

    local_size = tf.cast(local_size, "int32")
    ctx, replica_id, num_replicas = _replica_context()
    if ctx is None:
        return tf.constant(0, "int32"), local_size
    mine = tf.one_hot(replica_id, num_replicas, dtype="float32") * tf.cast(local_size, "float32")
    sizes = tf.cast(ctx.all_reduce("SUM", mine), "int32")  # [num_replicas]
    before = tf.cast(tf.range(num_replicas) < tf.cast(replica_id, "int32"), "int32")
    return tf.reduce_sum(sizes * before), tf.reduce_sum(sizes)


def _as_float32(tensor):
    """`(float32 values, back)`: values that carry `tensor` through a SUM with zeros, and their inverse.

    Collectives sum float32 on any device. A dtype float32 holds (bool, 8 and
    16 bits, float32) is cast: its values come back, but -0.0 as 0.0 and, on
    CPU, float32 denormals (below 1.2e-38) as 0. A wider one (int32 and int64
    ids above 2**24, float64) travels as its 16-bit pieces, one more axis at
    the end, and comes back bit for bit.
    """
    import tensorflow as tf

    dtype = tensor.dtype
    if dtype.size <= 2 or dtype == tf.float32:
        return tf.cast(tensor, "float32"), lambda values: tf.cast(values, dtype)
    pieces = tf.cast(tf.bitcast(tensor, tf.uint16), "float32")  # [..., dtype.size // 2], each below 2**16
    return pieces, lambda values: tf.bitcast(tf.cast(values, tf.uint16), dtype)


def gather_batch(tensor, offset, total):
    """The global batch `[total, ...]` of `tensor` `[local, ...]`, on every replica.

    Rows keep their global order (`offset` from `batch_position`), their
    dtype and their values (ids above 2**24 too); only a float32 or 16-bit
    float -0.0 comes back 0.0, and float32 denormals 0 on CPU.
    """
    import tensorflow as tf

    ctx, _, _ = _replica_context()
    if ctx is None:
        return tensor
    local = tf.shape(tensor)[0]
    values, back = _as_float32(tensor)
    rest = [[0, 0]] * (len(values.shape) - 1)
    padded = tf.pad(values, [[offset, total - offset - local]] + rest)  # [total, ...]
    return back(ctx.all_reduce("SUM", padded))


def all_replicas_any(flag):
    """True on every replica when `flag` (a bool scalar) is True on any replica."""
    import tensorflow as tf

    ctx, _, _ = _replica_context()
    if ctx is None:
        return flag
    return ctx.all_reduce("SUM", tf.cast(flag, "float32")) > 0


def first_row(tensor):
    """Row 0 of the global batch, `[1, ...]`, on every replica (replica 0 holds it).

    `tensor` may be of any rank, an unknown one too (a `from_generator` dataset's).
    """
    import tensorflow as tf

    ctx, replica_id, _ = _replica_context()
    if ctx is None:
        return tensor[:1]
    values, back = _as_float32(tensor[:1])
    zeros = tf.zeros(tf.concat([[1], tf.shape(values)[1:]], 0))  # a row of zeros, for a replica that holds none
    head = tf.concat([values, zeros], 0)[:1]  # [1, ...]
    return back(ctx.all_reduce("SUM", tf.where(tf.equal(replica_id, 0), head, tf.zeros_like(head))))
