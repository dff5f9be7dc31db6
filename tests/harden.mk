## tests: harden
