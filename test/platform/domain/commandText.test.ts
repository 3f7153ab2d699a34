import { describe, expect, it } from 'vitest';
import { plainTextFromSlack } from '../../../src/platform/domain/commandText.js';

describe('plainTextFromSlack', () => {
  it.each([
    ['a &amp; b &lt;c&gt;', 'a & b <c>'],
    ['&amp;lt;', '&lt;'],
    ['<#C123|general>', '#general'],
    ['<#C123>', '#C123'],
    ['<#C123|>', '#C123'],
    ['<@U123>', '@U123'],
    ['<@U123|ana>', '@ana'],
    ['<!subteam^S123|@oncall>', '@oncall'],
    ['<!subteam^S123>', '@S123'],
    ['<!here>', '@here'],
    ['<!channel|channel>', '@channel'],
    ['<!date^1392734382^{date}|Feb 18, 2014>', 'Feb 18, 2014'],
    ['<https://example.com>', 'https://example.com'],
    ['<https://example.com?a=1&amp;b=2|the docs>', 'the docs (https://example.com?a=1&b=2)'],
    ['<mailto:ops@example.com|ops@example.com>', 'ops@example.com'],
    ['no links here', 'no links here'],
  ])('reads %s as %s', (text, expected) => {
    expect(plainTextFromSlack(text)).toBe(expected);
  });
});
