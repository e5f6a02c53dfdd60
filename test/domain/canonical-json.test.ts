/**
 * src/domain/canonical-json.ts against RFC 8785 (JSON Canonicalization Scheme): the test vectors
 * of the RFC's reference implementation (github.com/cyberphone/json-canonicalization, testdata/
 * input and output: key order by UTF-16 code units, ECMAScript number serialisation, string
 * escaping) and the number samples of RFC 8785 Appendix B (IEEE 754 bit patterns). Where the
 * module goes beyond JCS (values that are not I-JSON) is pinned below and in docs/evidence.md.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/canonical-json.js';

const VECTORS: { name: string; input: string; output: string }[] = [
  { name: 'arrays', input: "[\n  56,\n  {\n    \"d\": true,\n    \"10\": null,\n    \"1\": [ ]\n  }\n]\n", output: "[56,{\"1\":[],\"10\":null,\"d\":true}]" },
  { name: 'french', input: "{\n  \"peach\": \"This sorting order\",\n  \"p\u00e9ch\u00e9\": \"is wrong according to French\",\n  \"p\u00eache\": \"but canonicalization MUST\",\n  \"sin\":   \"ignore locale\"\n}\n", output: "{\"peach\":\"This sorting order\",\"p\u00e9ch\u00e9\":\"is wrong according to French\",\"p\u00eache\":\"but canonicalization MUST\",\"sin\":\"ignore locale\"}" },
  { name: 'structures', input: "{\n  \"1\": {\"f\": {\"f\": \"hi\",\"F\": 5} ,\"\\n\": 56.0},\n  \"10\": { },\n  \"\": \"empty\",\n  \"a\": { },\n  \"111\": [ {\"e\": \"yes\",\"E\": \"no\" } ],\n  \"A\": { }\n}", output: "{\"\":\"empty\",\"1\":{\"\\n\":56,\"f\":{\"F\":5,\"f\":\"hi\"}},\"10\":{},\"111\":[{\"E\":\"no\",\"e\":\"yes\"}],\"A\":{},\"a\":{}}" },
  { name: 'unicode', input: "{\n  \"Unnormalized Unicode\":\"A\\u030a\"\n}\n", output: "{\"Unnormalized Unicode\":\"A\u030a\"}" },
  { name: 'values', input: "{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n  \"literals\": [null, true, false]\n}", output: "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}" },
  { name: 'weird', input: "{\n  \"\\u20ac\": \"Euro Sign\",\n  \"\\r\": \"Carriage Return\",\n  \"\\u000a\": \"Newline\",\n  \"1\": \"One\",\n  \"\\u0080\": \"Control\\u007f\",\n  \"\\ud83d\\ude02\": \"Smiley\",\n  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\",\n  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n  \"</script>\": \"Browser Challenge\"\n}\n", output: "{\"\\n\":\"Newline\",\"\\r\":\"Carriage Return\",\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\u0080\":\"Control\u007f\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\ud83d\ude02\":\"Smiley\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}" },
];

/** RFC 8785 Appendix B: IEEE 754 double (hex bits) -> its JCS serialisation. */
const NUMBERS: [string, string][] = [
  ['0000000000000000', '0'], ['8000000000000000', '0'], ['0000000000000001', '5e-324'], ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'], ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'], ['c340000000000000', '-9007199254740992'], ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'], ['44b52d02c7e14af6', '1e+23'], ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'], ['444b1ae4d6e2ef4f', '999999999999999900000'], ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'], ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'], ['41b3de4355555554', '333333333.33333325'], ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'], ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'], ['43143ff3c1cb0959', '1424953923781206.2'],
];

function double(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

describe('canonicalJson is RFC 8785 (JCS)', () => {
  it.each(VECTORS)('reference test vector $name', ({ input, output }) => {
    expect(canonicalJson(JSON.parse(input))).toBe(output);
  });

  it.each(NUMBERS)('Appendix B number %s -> %s', (bits, text) => {
    expect(canonicalJson(double(bits))).toBe(text);
    expect(canonicalJson({ n: [double(bits)] })).toBe(`{"n":[${text}]}`);
  });

  it('refuses NaN and the infinities (RFC 8785 3.2.2.3: not JSON)', () => {
    for (const bits of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) expect(() => canonicalJson(double(bits))).toThrow(/non-finite/);
  });

  it('sorts keys by UTF-16 code units: U+1F602 (a surrogate pair, D83D..) before U+FB33, unlike code point order', () => {
    expect(canonicalJson({ '\ufb33': 1, '\u{1f602}': 2, '\u20ac': 3 })).toBe('{"\u20ac":3,"\u{1f602}":2,"\ufb33":1}');
  });

  it('beyond JCS (input that is not I-JSON): a lone surrogate is escaped, undefined members dropped, a Date is its ISO string', () => {
    // JCS requires I-JSON input, which has no lone surrogates; JSON.stringify escapes them (ES2019).
    expect(canonicalJson({ s: 'a\ud800b' })).toBe('{"s":"a\\ud800b"}');
    expect(canonicalJson({ b: undefined, a: [undefined, new Date(0)] })).toBe('{"a":[null,"1970-01-01T00:00:00.000Z"]}');
  });
});
