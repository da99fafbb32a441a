/** Renders a `Loaded` value: a spinner text, an empty state for a missing endpoint, an error, or the content. */
import type { ReactNode } from 'react';
import type { Loaded } from '../api/types.ts';
import { type MessageKey, useI18n } from '../i18n/index.ts';

export function LoadedView<T>({
  loaded,
  children,
  isEmpty,
  emptyText,
}: {
  loaded: Loaded<T>;
  children: (data: T) => ReactNode;
  isEmpty?: (data: T) => boolean;
  /** What an empty result means here (default: no measurements match). */
  emptyText?: MessageKey;
}) {
  const { t } = useI18n();
  switch (loaded.state) {
    case 'loading':
      return (
        <p className="state" aria-live="polite">
          {t('state.loading')}
        </p>
      );
    case 'missing':
      return <p className="state state-missing">{t('state.missing', { path: loaded.path.split('?')[0] })}</p>;
    case 'error':
      return (
        <p className="state state-error" role="alert">
          {t('state.error', { message: loaded.message })}
        </p>
      );
    case 'ok':
      if (isEmpty?.(loaded.data)) return <p className="state state-empty">{t(emptyText ?? 'state.empty')}</p>;
      return <>{children(loaded.data)}</>;
  }
}
