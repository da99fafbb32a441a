/** React glue: run an API call when its key changes, abort the previous one, expose the `Loaded` state. */
import { useEffect, useState } from 'react';
import type { Loaded } from './types.ts';

export function useLoaded<T>(key: string, load: (signal: AbortSignal) => Promise<Loaded<T>>): Loaded<T> {
  const [state, setState] = useState<{ key: string; loaded: Loaded<T> }>({ key, loaded: { state: 'loading' } });
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key names everything the call depends on
  useEffect(() => {
    const controller = new AbortController();
    setState({ key, loaded: { state: 'loading' } });
    load(controller.signal).then((loaded) => {
      if (!controller.signal.aborted) setState({ key, loaded });
    });
    return () => controller.abort();
  }, [key]);
  return state.key === key ? state.loaded : { state: 'loading' };
}
