/** The one "did you mean" of every name lookup: near enough for a typo, never a guess at an unrelated name. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestName, didYouMean, editDistance } from '../../src/common/didYouMean';

test('edit distance counts insertions, deletions and substitutions', () => {
  assert.equal(editDistance('cats', 'cats'), 0);
  assert.equal(editDistance('catz', 'cats'), 1);
  assert.equal(editDistance('cts', 'cats'), 1);
  assert.equal(editDistance('resnet5', 'resnet50'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
});

test('the nearest candidate within a typo\'s reach is suggested, ignoring case', () => {
  assert.equal(closestName('catz', ['dogs', 'cats', 'birds']), 'cats');
  assert.equal(closestName('ResNet51', ['resnet50', 'resnet152', 'vgg16']), 'resnet50');
  assert.equal(closestName('mobilenet-imagenet:2', ['mobilenet-imagenet:1', 'resnet50-imagenet:1']), 'mobilenet-imagenet:1');
  assert.equal(closestName('densenet12', ['densenet121', 'resnet152']), 'densenet121');
});

test('a short name may be off by one letter, a longer one by two or three; beyond that nothing is suggested', () => {
  assert.equal(closestName('cat', ['dog']), undefined);
  assert.equal(closestName('abc', ['xyz', 'abd']), 'abd');
  assert.equal(closestName('abcd', ['abxy']), undefined);
  assert.equal(closestName('resnet', ['resnet50']), 'resnet50');
  assert.equal(closestName('inception', ['resnet50', 'vgg16', 'densenet121']), undefined);
  assert.equal(closestName('anything', []), undefined);
});

test('didYouMean is the text a "not found" message ends with, or nothing', () => {
  assert.equal(didYouMean('catz', ['cats']), ': did you mean "cats"?');
  assert.equal(didYouMean('zebra', ['cats']), '');
});
