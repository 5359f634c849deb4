import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { SETTINGS, addSettingOptions, resolveConfig } from '../../src/cli/config.ts';

describe('resolveConfig', () => {
  it('has the prototype\'s defaults', () => {
    const c = resolveConfig({}, {});
    expect(c).toMatchObject({ window: 21, amountLimit: 10_000, eps: 0.5, minSamples: 5, trees: 100, dataDir: '.vigie' });
    expect(c.databaseUrl).toBeUndefined();
  });

  it('takes flags over the environment over defaults', () => {
    expect(resolveConfig({ window: '30' }, { VIGIE_WINDOW: '25' }).window).toBe(30);
    expect(resolveConfig({}, { VIGIE_WINDOW: '25' }).window).toBe(25);
    expect(resolveConfig({}, { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db' }).databaseUrl).toBe('postgres://u:p@127.0.0.1:5432/db');
  });

  it('says which flag or variable is wrong, why and what it got, for every bad value at once', () => {
    let message = '';
    try {
      resolveConfig({ window: 'abc', sensorRate: '-3' }, { VIGIE_DBSCAN_EPS: '0', VIGIE_IFOREST_THRESHOLD: '1.5' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/--window: .*number.*got "abc"/);
    expect(message).toMatch(/--sensor-rate: .*got "-3"/);
    expect(message).toMatch(/VIGIE_DBSCAN_EPS \(environment\): .*got "0"/);
    expect(message).toMatch(/VIGIE_IFOREST_THRESHOLD \(environment\): .*got "1.5"/);
  });

  it('never echoes a database URL, which may hold a password', () => {
    expect(() => resolveConfig({ databaseUrl: 'mysql://user:s3cret@host/db' }, {})).toThrow(/--database-url: expected a postgres:\/\/ URL, got <hidden>/);
    try {
      resolveConfig({ databaseUrl: 'mysql://user:s3cret@host/db' }, {});
    } catch (error) {
      expect(String(error)).not.toContain('s3cret');
    }
  });

  it('never echoes a dashboard token it refuses', () => {
    expect(() => resolveConfig({}, { VIGIE_DASHBOARD_TOKEN: 'tooShortSecret' })).toThrow(/VIGIE_DASHBOARD_TOKEN \(environment\): at least 16 characters, got <hidden>/);
    expect(() => resolveConfig({}, { VIGIE_DASHBOARD_TOKEN: 'tooShortSecret' })).not.toThrow(/tooShortSecret/);
    expect(resolveConfig({}, { VIGIE_DASHBOARD_TOKEN: 'long-enough-secret-token', VIGIE_DASHBOARD_ALLOWED_HOSTS: 'a.example, b.example' })).toMatchObject({
      dashboardToken: 'long-enough-secret-token',
      dashboardAllowedHosts: ['a.example', 'b.example'],
    });
  });

  it('rejects a fractional window', () => {
    expect(() => resolveConfig({ window: '2.5' }, {})).toThrow(/--window: expected an integer/);
  });
});

describe('settings given as flags on the command line', () => {
  // `--iforest-trees 50` was silently ignored: commander keeps it as `iforestTrees`, the settings read `trees`.
  it('are read whatever the setting is called in the code', () => {
    const command = addSettingOptions(new Command(), SETTINGS).exitOverride();
    command.parse(['--iforest-trees', '50', '--iforest-sample-size', '64', '--iforest-threshold', '0.6', '--dbscan-eps', '2', '--dbscan-min-samples', '3', '--window', '9'], { from: 'user' });
    expect(resolveConfig(command.opts(), {})).toMatchObject({ trees: 50, sampleSize: 64, threshold: 0.6, eps: 2, minSamples: 3, window: 9 });
  });

  it('name the flag when its value is wrong', () => {
    const command = addSettingOptions(new Command(), SETTINGS).exitOverride();
    command.parse(['--iforest-trees', '0'], { from: 'user' });
    expect(() => resolveConfig(command.opts(), {})).toThrow(/--iforest-trees: .*got "0"/);
  });
});
