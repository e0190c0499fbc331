from oscserver.cli import main

raise SystemExit(main())
