"""`python -m bot` is the `waypoint` command."""

from bot.cli import main

raise SystemExit(main())
