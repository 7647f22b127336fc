"""SEGAN: noisy speech in, clean speech out; D judges the (noisy, clean) pair (Pascual et al. 2017)."""

from keras_cgan.models.segan import streaming, waveform
from keras_cgan.models.segan.emphasis import DeEmphasis, PreEmphasis
from keras_cgan.models.segan.networks import segan_discriminator, segan_generator
from keras_cgan.models.segan.segan import SEGAN
from keras_cgan.models.segan.streaming import StreamingEnhancer, stream_enhance
from keras_cgan.models.segan import presets
