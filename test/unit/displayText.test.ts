/** Text from a model shown as text: in terminals (escaped controls) and notifications (no links). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeControlCharacters, plainNotificationText } from '../../src/common/displayText';
import { hostHeaderAllowed, isLoopback } from '../../src/service/hostHeader';

test('control characters, DEL, C1 and bidi overrides become visible escapes', () => {
  assert.equal(escapeControlCharacters('\x1b]52;c;aGk=\x07cat\r\n\x7f\x9b\u202etac'), '\\x1b]52;c;aGk=\\x07cat\\x0d\\x0a\\x7f\\x9b\\u202etac');
  assert.equal(escapeControlCharacters('tabby, tabby cat — Ünïcode 猫'), 'tabby, tabby cat — Ünïcode 猫');
});

test('notification text is one line without markdown links', () => {
  assert.equal(plainNotificationText('bad labels\n  [Open](command:fpga.deleteModel) or [x](https://e.example)'), 'bad labels [Open] (command:fpga.deleteModel) or [x] (https://e.example)');
  assert.equal(plainNotificationText('ESC \x1b[31mred'), 'ESC \\x1b[31mred');
});

test('Host headers: IP literals, localhost and the bound name pass; other names do not', () => {
  for (const header of ['127.0.0.1:8080', '[::1]:8080', 'localhost', 'LocalHost:1', 'a.localhost', '10.0.0.5', undefined]) {
    assert.equal(hostHeaderAllowed(header, '127.0.0.1'), true, String(header));
  }
  for (const header of ['evil.example', 'evil.example:8080', 'localhost.evil.example', '']) {
    assert.equal(hostHeaderAllowed(header, '127.0.0.1'), false, header);
  }
  assert.equal(hostHeaderAllowed('gpu-box.lan:8080', 'gpu-box.lan'), true);
});

test('loopback binds need no flag; everything else does', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) assert.equal(isLoopback(host), true, host);
  for (const host of ['0.0.0.0', '::', '192.168.1.4', 'gpu-box.lan']) assert.equal(isLoopback(host), false, host);
});
