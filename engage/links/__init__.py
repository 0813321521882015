"""Short links, QR codes, posters, the public scan endpoint and awareness answers."""
