import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../models/rng.ts';
import { fitModifiedHuberL1, fitTfidf, randomClassifierPercentile, rocAuc, textContentDrift, tokenize } from './text.ts';

describe('tokenize (TfidfVectorizer defaults: lower case, 2+ word characters, English stop words out)', () => {
  it('keeps words of two or more characters, drops stop words and punctuation', () => {
    expect(tokenize("The Fed's rate-hike: a 25bp move, and X rallied!")).toEqual(['fed', 'rate', 'hike', '25bp', 'rallied']);
    expect(tokenize('Ünïcode Wörter_ok')).toEqual(['ünïcode', 'wörter_ok']);
  });
});

describe('fitTfidf (sublinear tf, smooth idf, max_df 0.5, L2 rows)', () => {
  it('computes the weights scikit-learn would, by hand', () => {
    const train = ['apple apple pear', 'pear kiwi', 'kiwi plum', 'plum fig'];
    const { vocabulary, transform } = fitTfidf(train);
    // Each of apple/fig is in 1 of 4 texts; pear/kiwi/plum in 2 (= max_df · n, kept; more would be dropped).
    expect([...vocabulary.keys()]).toEqual(['apple', 'fig', 'kiwi', 'pear', 'plum']);
    const [row] = transform(['apple apple pear unknown']);
    const idf1 = Math.log(5 / 2) + 1;
    const idf2 = Math.log(5 / 3) + 1;
    const apple = (1 + Math.log(2)) * idf1;
    const pear = idf2;
    const norm = Math.hypot(apple, pear);
    expect([...(row?.idx ?? [])]).toEqual([0, 3]);
    expect(row?.val[0]).toBeCloseTo(apple / norm, 12);
    expect(row?.val[1]).toBeCloseTo(pear / norm, 12);
    // A text with more distinct terms than a call takes arguments is still normalised.
    const long = Array.from({ length: 200_000 }, (_, i) => `w${i}`).join(' ');
    const [wide] = fitTfidf([long, 'other words']).transform([long]);
    expect(wide?.idx.length).toBe(200_000);
    expect(wide?.val.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 9);
    // A term in more than half of the texts is dropped.
    expect([...fitTfidf(['a1 b1', 'a1 c1', 'a1 d1']).vocabulary.keys()]).toEqual(['b1', 'c1', 'd1']);
  });
});

describe('rocAuc', () => {
  it('is the Mann-Whitney statistic, ties counted half', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(rocAuc([0, 1], [0.9, 0.1])).toBe(0);
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow('both labels');
  });

  it("the random classifiers' 95th percentile sits where the AUC's null distribution puts it", () => {
    const labels = Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const pos = labels.filter((l) => l === 1).length;
    const neg = labels.length - pos;
    // Under the null the AUC is about normal with mean 1/2 and variance (n+ + n− + 1) / (12 n+ n−).
    const expected = 0.5 + 1.6449 * Math.sqrt((pos + neg + 1) / (12 * pos * neg));
    expect(Math.abs(randomClassifierPercentile(labels, 0.95) - expected)).toBeLessThan(0.01);
  });
});

describe('fitModifiedHuberL1', () => {
  it("learns scikit-learn's weights on a small sparse problem", () => {
    const row = (idx: number[], val: number[]) => ({ idx: Int32Array.from(idx), val: Float64Array.from(val) });
    const rows = Array.from({ length: 200 }, (_, i) => (i % 2 ? row([0, 2], [0.8, 0.6]) : row([1, 2], [0.8, 0.6])));
    const y = rows.map((_, i) => (i % 2 ? 1 : -1));
    const decide = fitModifiedHuberL1(rows, y, 3);
    const intercept = decide(row([], []));
    const weights = [0, 1, 2].map((j) => decide(row([j], [1])) - intercept);
    // SGDClassifier(alpha=1e-4, max_iter=50, penalty="l1", loss="modified_huber", random_state=42) of
    // scikit-learn 1.9.1 on the same rows (as a CSR matrix): coef_ [15.1242, -31.0927, -11.1003],
    // intercept_ -0.1996. The epoch shuffles differ (our PRNG), hence the tolerance.
    expect(intercept).toBeCloseTo(-0.1996, 4);
    const sklearn = [15.1242, -31.0927, -11.1003];
    weights.forEach((w, j) => expect(Math.abs(w - (sklearn[j] as number)), `w${j} ${w}`).toBeLessThan(0.01));
  });
});

describe('textContentDrift', () => {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
  const texts = (n: number, vocab: readonly string[], seed: number) => {
    const random = seededRandom(seed);
    return Array.from({ length: n }, () => Array.from({ length: 4 }, () => vocab[Math.floor(random() * vocab.length)]).join(' '));
  };

  it('no drift between texts of the same wording; drift when the current wording is new', () => {
    const same = textContentDrift(texts(150, words, 0), texts(150, words, 1), 'perc_text_content_drift', 0.95);
    expect(same.drift).toBe(false);
    expect(same.score).toBeLessThanOrEqual(same.critical);
    const shifted = textContentDrift(texts(150, words, 0), texts(150, ['kilo', 'lima', 'mike', 'november'], 1), 'perc_text_content_drift', 0.95);
    expect(shifted).toMatchObject({ score: 1, drift: true });
    expect(shifted.critical).toBeGreaterThan(0.5);
    expect(shifted.critical).toBeLessThan(0.7);
    expect(textContentDrift(texts(150, words, 0), texts(150, ['kilo', 'lima'], 1), 'abs_text_content_drift', 0.55)).toEqual({ score: 1, critical: 0.55, drift: true });
  });

  it('texts made only of stop words leave no vocabulary: AUC 0.5, no drift', () => {
    const r = textContentDrift(Array.from({ length: 20 }, () => 'the and of'), Array.from({ length: 20 }, () => 'was were is'), 'abs_text_content_drift', 0.55);
    expect(r).toEqual({ score: 0.5, critical: 0.55, drift: false });
  });

  it('too few texts to split into halves with both sides is an error naming the column', () => {
    expect(() => textContentDrift(['one text'], ['another'], 'perc_text_content_drift', 0.95, 'note')).toThrow(/Text column 'note': the (train|test) half/);
  });
});
