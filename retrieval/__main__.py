"""``python -m retrieval``: index, search, show, outline, eval, add, remove."""

from retrieval.cli import main

raise SystemExit(main())
