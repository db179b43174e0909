from debc_outreach.cli import main

raise SystemExit(main())
