/** A titled page section; `id` makes it linkable and labels it for screen readers. */
import type { ReactNode } from 'react';

export function Section({
  id,
  title,
  hint,
  actions,
  children,
}: {
  id: string;
  title: string;
  hint?: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="section" id={id} aria-labelledby={`${id}-title`}>
      <header className="section-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {actions}
      </header>
      {hint ? <p className="hint">{hint}</p> : null}
      {children}
    </section>
  );
}
