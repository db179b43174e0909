"""PINs, sign-in, the idle lock and the privacy rules."""
