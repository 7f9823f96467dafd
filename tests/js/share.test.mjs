// The Share menu's pure helpers: links without/with the embed flags, the snippet, JSON and CSV.
import assert from "node:assert/strict";
import { test } from "node:test";

import { embedUrl, frameAncestorsLine, fullViewUrl, iframeSnippet, leaves, numbersCsv, numbersJson } from "../../static/js/export/share_links.js";

const PAGE = "https://school.example/prefix/conv?h=5&step=3&embed=1&controls=0&text=0#x";

test("the full view drops the embed flags and keeps the prefix and the state", () => {
  assert.equal(fullViewUrl(PAGE), "https://school.example/prefix/conv?h=5&step=3");
});

test("the embed URL sets only the flags asked for", () => {
  assert.equal(embedUrl(PAGE), "https://school.example/prefix/conv?h=5&step=3&embed=1");
  assert.equal(embedUrl(PAGE, { controls: false }), "https://school.example/prefix/conv?h=5&step=3&embed=1&controls=0");
  const both = new URL(embedUrl(PAGE, { controls: false, text: false }));
  assert.equal(both.searchParams.get("text"), "0");
});

test("the snippet escapes its attributes and names the lesson", () => {
  const snippet = iframeSnippet("https://a.example/conv?h=5&w=5", 'cnnlab: "Conv" <x>');
  assert.equal(
    snippet,
    '<iframe src="https://a.example/conv?h=5&amp;w=5" width="800" height="600" title="cnnlab: &quot;Conv&quot; &lt;x&gt;" loading="lazy"></iframe>',
  );
  assert.equal(frameAncestorsLine(), 'CNNLAB_FRAME_ANCESTORS="https://course.example.edu"');
});

const EXCHANGES = [
  { method: "POST", url: "/api/pool2d", request: { input: [[[1, 2]]], mode: "max" }, response: { output: [[[2]]], note: 'a "b", c' } },
  { method: "GET", url: "/api/surfaces?x=1", request: null, response: [{ name: "bowl", minima: null }] },
];

test("leaves walks arrays and objects", () => {
  assert.deepEqual(leaves({ a: [1, { b: 2 }], c: null }), [["a[0]", 1], ["a[1].b", 2], ["c", ""]]);
});

test("CSV has one row per leaf, quoted where needed", () => {
  const lines = numbersCsv(EXCHANGES).trimEnd().split("\r\n");
  assert.deepEqual(lines, [
    "endpoint,part,path,value",
    "/api/pool2d,request,input[0][0][0],1",
    "/api/pool2d,request,input[0][0][1],2",
    "/api/pool2d,request,mode,max",
    "/api/pool2d,response,output[0][0][0],2",
    '/api/pool2d,response,note,"a ""b"", c"',
    "/api/surfaces,response,[0].name,bowl",
    "/api/surfaces,response,[0].minima,",
  ]);
});

test("JSON keeps each exchange whole", () => {
  const parsed = JSON.parse(numbersJson("pooling", PAGE, EXCHANGES));
  assert.equal(parsed.url, "https://school.example/prefix/conv?h=5&step=3");
  assert.equal(parsed.exchanges[1].endpoint, "/api/surfaces");
  assert.deepEqual(parsed.exchanges[0].response.output, [[[2]]]);
});
