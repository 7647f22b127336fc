"""Model files told by name and content, as `export`, `enhance` and `stream_enhance` read them; an early Ctrl-C.

No model is trained or loaded: the files are written by hand (a `.keras`
zip's entry names, a TFLite file's identifier, an empty `saved_model.pb`),
every case is refused before anything loads, and the calibration checks
run on a tiny generator that is only built.
"""

import sys
import types

import pytest

from keras_cgan.cli import main


def test_a_ctrl_c_while_a_command_loads_is_one_line_and_status_130(monkeypatch, capsys):
    class Loading(types.ModuleType):  # the Ctrl-C comes while the command's module imports (numpy loads)
        def __getattr__(self, name):
            if name == "add_export_subcommand":
                raise KeyboardInterrupt
            raise AttributeError(name)

    monkeypatch.setitem(sys.modules, "keras_cgan.cli.export", Loading("keras_cgan.cli.export"))
    try:
        status = main(["export", "onnx", "g.keras", "-o", "g.onnx"])
    except KeyboardInterrupt:
        pytest.fail("the Ctrl-C left main() as a KeyboardInterrupt (a traceback), not as exit status 130")
    assert status == 130
    assert capsys.readouterr().err == "keras-cgan export: interrupted.\n"
