from oppnaogon.cli import main

raise SystemExit(main())
