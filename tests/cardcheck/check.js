// Parse Adaptive Cards with the official parser (npm adaptivecards, pinned), offline.
//
// Usage: node check.js cards.json
//   cards.json holds [{"name": "...", "card": {...}}, ...].
// Prints one JSON object: {"parser": "<version>", "results": [{"name", "events": [...]}, ...]},
// where each event is {"phase", "event", "message", "source"} from parsing the card against
// schema version 1.5 (SerializationContext) and from AdaptiveCard.validateProperties()
// (duplicate ids, choices without title or value, too many actions, and so on).
//
// The package's "main" build (lib/) is ES modules without file extensions, which node cannot
// load; the UMD bundle in dist/ works in plain node with no DOM: parsing and validation never
// touch `document` or `window` (rendering would).
"use strict";

const fs = require("fs");
const path = require("path");
const AC = require("adaptivecards/dist/adaptivecards.js");

function eventName(code) {
  return AC.ValidationEvent[code] || String(code);
}

function describe(source) {
  if (!source || typeof source !== "object") {
    return undefined;
  }
  return source.id || source.type || undefined;
}

function check(card) {
  const events = [];
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    events.push({phase: "parse", event: eventName(e.event), message: e.message,
                 source: describe(e.source)});
  }
  const validation = parsed.validateProperties();
  for (const e of validation.validationEvents) {
    events.push({phase: "validate", event: eventName(e.event), message: e.message,
                 source: describe(e.source)});
  }
  return events;
}

function main() {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: node check.js cards.json\n");
    process.exit(2);
  }
  const cards = JSON.parse(fs.readFileSync(path.resolve(file), "utf8"));
  const version = require("adaptivecards/package.json").version;
  const results = cards.map(({name, card}) => ({name, events: check(card)}));
  process.stdout.write(JSON.stringify({parser: version, results}) + "\n");
}

main();
