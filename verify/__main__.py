"""``python -m verify`` is the same as the ``resnet-verify`` command."""

import sys

try:
    from verify.cli import main

    code = main()
except KeyboardInterrupt:  # between imports and main()'s own handler
    sys.stderr.write("resnet-verify: interrupted\n")
    code = 130
raise SystemExit(code)
