"""``python -m verify`` is the same as the ``resnet-verify`` command."""

from verify.cli.main import main

raise SystemExit(main())
