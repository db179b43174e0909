"""Small widgets and models shared by several pages: choices, flowing rows, paged
tables, villages, QR pictures."""
