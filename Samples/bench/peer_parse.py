#!/usr/bin/env python3
"""The reference `make bench` compares `smdr-agent parse` with: what a site's script does with an
Avaya IP Office SMDR file, csv.DictReader with Avaya's field names and one json.dumps per row,
written to stdout. Usage: peer_parse.py FILE > /dev/null"""
import csv
import json
import sys

FIELDS = [
    "Call Start", "Connected Time", "Ring Time", "Caller", "Direction", "Called Number", "Dialled Number",
    "Account", "Is Internal", "Call ID", "Continuation", "Party1Device", "Party1Name", "Party2Device",
    "Party2Name", "Hold Time", "Park Time",
]

with open(sys.argv[1], newline="", encoding="utf-8", errors="replace") as f:
    out = sys.stdout
    for row in csv.DictReader(f, fieldnames=FIELDS):
        out.write(json.dumps(row))
        out.write("\n")
