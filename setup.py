"""keras-cgan: conditional GANs as Keras 3 models, with exports checked for parity."""

import re

from setuptools import find_packages, setup

VERSION = re.search(r'__version__ = "(.+)"', open("keras_cgan/version.py").read()).group(1)

# TensorFlow comes as an extra so that CPU-only and GPU users each get one build:
#   pip install "keras-cgan[cpu]"   -> tensorflow-cpu
#   pip install "keras-cgan[gpu]"   -> tensorflow with CUDA libraries (Linux)
TF = ">=2.21,<2.22"
EXTRAS = {
    "cpu": [f"tensorflow-cpu{TF}"],
    "gpu": [f"tensorflow[and-cuda]{TF}"],
    "export": [
        "tf2onnx>=1.17,<1.18",
        "onnx>=1.17,<2",
        "onnxruntime>=1.20,<2",
        "ai-edge-litert>=2.0,<3",
    ],
    "audio": ["soundfile>=0.12,<1", "pesq>=0.0.4,<0.1", "pystoi>=0.4,<0.5"],
    "images": ["scikit-image>=0.24,<0.27"],
    "video": ["imageio>=2.30,<3"],
    "tensorboard": ["tensorboard>=2.20,<3"],  # to view a run folder's logs/
    # the denoisers benchmarks/speech_peers.py compares SEGAN with; never imported by keras_cgan
    "peers": ["pyrnnoise>=0.4,<0.5", "noisereduce>=3,<4"],
}
EXTRAS["all"] = sorted({r for name in ("export", "audio", "images", "video") for r in EXTRAS[name]})
EXTRAS["dev"] = EXTRAS["all"] + [
    "pytest>=8,<10",
    "pytest-xdist>=3.6,<4",  # pytest.ini runs the test files on two processes
    "pyflakes>=3.2,<5",  # a test checks that the scripts import nothing they do not use
    "mkdocs>=1.6,<1.7",
    "mkdocs-material>=9.5,<10",
    "mkdocstrings>=1.0,<2",
    "mkdocstrings-python>=2.0,<3",
]

setup(
    name="keras-cgan",
    version=VERSION,
    description=__doc__,
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["keras_cgan", "keras_cgan.*"]),
    python_requires=">=3.10,<3.14",
    install_requires=[
        "keras>=3.15,<3.16",
        "lazy-loader>=0.4,<1",
        "numpy>=1.26,<3",
        "pillow>=10,<14",
        "scikit-learn>=1.4,<2",
        "scipy>=1.11,<2",
    ],
    extras_require=EXTRAS,
    entry_points={"console_scripts": ["keras-cgan=keras_cgan.cli:main"]},
    license="Apache-2.0",
)
