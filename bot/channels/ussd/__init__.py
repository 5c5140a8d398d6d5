"""The USSD channel over Africa's Talking: hops in, ``CON``/``END`` text out."""
