"""What the tests share: demo programmes, synced devices, content packs, a running hub,
and the scripts that tests start in a child process."""
