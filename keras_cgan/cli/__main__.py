import sys

from keras_cgan.cli.main import main

sys.exit(main())
