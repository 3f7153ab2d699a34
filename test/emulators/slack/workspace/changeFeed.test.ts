import { afterEach, describe, expect, it, vi } from 'vitest';
import { newWorkspace } from './newWorkspace.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('change feed: what the workspace tells its observers', () => {
  it('tells every listener until it unsubscribes', () => {
    const { workspace } = newWorkspace();
    const seen: string[] = [];
    const stop = workspace.onChange((change) => seen.push(change.kind));
    workspace.emit({ kind: 'api.call', method: 'auth.test' });
    stop();
    workspace.emit({ kind: 'api.call', method: 'auth.test' });
    expect(seen).toEqual(['api.call']);
  });

  it('warns about a listener that throws and still tells the others', () => {
    const { workspace, changes } = newWorkspace();
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    workspace.onChange(() => {
      throw new Error('observer broke');
    });
    const after: string[] = [];
    workspace.onChange((change) => after.push(change.kind));
    workspace.emit({ kind: 'response_url.posted' });
    expect(warning).toHaveBeenCalledWith('Slack emulator change listener threw: observer broke');
    expect(changes).toEqual([{ kind: 'response_url.posted' }]);
    expect(after).toEqual(['response_url.posted']);
  });
});
