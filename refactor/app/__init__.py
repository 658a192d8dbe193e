"""The application floor: options, migrate, write, publish, bulk, verify, and the command line."""
