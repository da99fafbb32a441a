import assert from 'node:assert/strict';
import { test } from 'node:test';
import { en, type MessageKey } from './en.ts';
import { LANGUAGES } from './index.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// The type checks that every key exists; this checks what a type cannot: no empty text, and the same
// placeholders as the English, so that no translation drops a number or a name.
for (const [lang, { messages }] of Object.entries(LANGUAGES)) {
  test(`${lang}: every message is non-empty and keeps the English placeholders`, () => {
    for (const key of Object.keys(en) as MessageKey[]) {
      const text = messages[key];
      assert.ok(text.trim().length > 0, `${lang} ${key} is empty`);
      assert.deepEqual(placeholders(text), placeholders(en[key]), `${lang} ${key}: placeholders differ`);
    }
  });
}

test('each language names itself in every catalogue', () => {
  for (const lang of Object.keys(LANGUAGES)) {
    const key = `lang.${lang}` as MessageKey;
    for (const { messages } of Object.values(LANGUAGES)) assert.equal(messages[key], LANGUAGES[lang as 'en'].label);
  }
});
