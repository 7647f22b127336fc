"""Exports a generator to ONNX (tf2onnx) and prints the onnxruntime parity report.

A thin face of `keras_cgan.export` (also `keras-cgan export onnx`). Run with
`--help` for the options. Example:

    python export/to_onnx.py runs/digits/generator.keras -o generator.onnx
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

try:  # TensorFlow loads once the options are read: a Ctrl-C before then is one line too, as later
    from keras_cgan.cli.export import script_main
except KeyboardInterrupt:
    print(f"{os.path.basename(sys.argv[0])}: interrupted; nothing written.", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(script_main("onnx"))
