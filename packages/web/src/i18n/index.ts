/**
 * Interface languages: English, Russian and Kazakh (the languages of the seed's users). Adding one = a catalogue
 * file typed `Messages` plus one row in `LANGUAGES`; the compiler then lists every missing key. Country names and numbers come from `Intl`.
 */
import { createContext, useContext } from 'react';
import { en, type MessageKey, type Messages } from './en.ts';
import { kk } from './kk.ts';
import { ru } from './ru.ts';

export type { MessageKey } from './en.ts';

/**
 * `intl` is the locale list handed to `Intl`, best first: Chromium's reduced ICU claims Kazakh but has no Kazakh
 * region names (it answers in English), so Kazakh falls back to Russian, which Kazakh readers share.
 */
export const LANGUAGES = {
  en: { label: 'English', messages: en as Messages, intl: ['en'] },
  ru: { label: 'Русский', messages: ru, intl: ['ru'] },
  kk: { label: 'Қазақша', messages: kk, intl: ['kk', 'ru'] },
} as const satisfies Record<string, { label: string; messages: Messages; intl: readonly string[] }>;

export type Language = keyof typeof LANGUAGES;
export const DEFAULT_LANGUAGE: Language = 'en';
const STORAGE_KEY = 'blockwatch.lang';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && Object.hasOwn(LANGUAGES, value);
}

/** `?lang=` (shareable), then the saved choice, then the browser's preference. */
export function initialLanguage(): Language {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (isLanguage(fromUrl)) return fromUrl;
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLanguage(saved)) return saved;
  } catch {
    // storage can be disabled; the default is fine
  }
  for (const tag of navigator.languages ?? []) {
    const base = tag.slice(0, 2).toLowerCase();
    if (isLanguage(base)) return base;
  }
  return DEFAULT_LANGUAGE;
}

export function saveLanguage(lang: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not persisted; still applied for this visit
  }
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(lang: Language): Translate {
  const messages = LANGUAGES[lang].messages;
  return (key, vars) => {
    const text = messages[key] ?? en[key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : text;
  };
}

export interface I18n {
  lang: Language;
  t: Translate;
  setLang: (lang: Language) => void;
  /** Integer or share formatting in the interface language. */
  number: (n: number) => string;
  percent: (share: number) => string;
  countryName: (cc: string) => string;
}

export function createI18n(lang: Language, setLang: (lang: Language) => void): I18n {
  const locales = localesWithData(LANGUAGES[lang].intl);
  const numbers = new Intl.NumberFormat(locales);
  const percents = new Intl.NumberFormat(locales, { style: 'percent', maximumFractionDigits: 1 });
  let regions: Intl.DisplayNames | null = null;
  try {
    regions = new Intl.DisplayNames(locales, { type: 'region' });
  } catch {
    regions = null;
  }
  return {
    lang,
    t: translator(lang),
    setLang,
    number: (n) => numbers.format(n),
    percent: (share) => percents.format(share),
    countryName: (cc) => {
      if (!/^[A-Z]{2}$/.test(cc)) return cc;
      try {
        return regions?.of(cc) ?? cc;
      } catch {
        return cc;
      }
    },
  };
}

/** Drops the locales whose region names come out in English although the locale is not English (data missing). */
function localesWithData(locales: readonly string[]): string[] {
  const english = (locale: string) => {
    try {
      return new Intl.DisplayNames([locale], { type: 'region' }).of('DE') === 'Germany';
    } catch {
      return true;
    }
  };
  const usable = locales.filter((l) => l.startsWith('en') || !english(l));
  return usable.length ? usable : [...locales];
}

export const I18nContext = createContext<I18n>(createI18n(DEFAULT_LANGUAGE, () => {}));

export function useI18n(): I18n {
  return useContext(I18nContext);
}
