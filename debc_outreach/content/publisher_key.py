"""The app publisher's public key (Ed25519, URL-safe base64 of the raw
32 bytes).

The bundled content pack and official pack updates are signed with its private
half, which is kept outside the repository (README, Contributing: Content packs).
Written by `python3 dev.py sign-content --new-key`.
"""

PUBLIC_KEY = "zMsToNBebi7MQZTRzB8EQ_ap375rgyz3eovy79TtmPE"
