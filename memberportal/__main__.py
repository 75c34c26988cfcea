from memberportal.cli import main

raise SystemExit(main())
