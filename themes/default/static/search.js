/* Exemplar search: the query engine (the same steps as src/search/query.rs) and the search page.
 * No framework, no fetch, no wasm: the index files under search/ are scripts that call EXS.add,
 * loaded with <script> tags, so search works from a web server under any subpath and from file://.
 * Every string a reader sees comes from the page (data-* attributes, from the theme's i18n files). */
(function (global) {
  "use strict";
  var EXS = global.EXS || (global.EXS = {});
  var store = {};
  var waiting = {};
  var MAX_WORD = 32;
  var WEIGHTS = [16, 8, 4, 1];
  var ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var AVAL = new Int8Array(128).fill(-1);
  for (var ai = 0; ai < 64; ai++) AVAL[ALPHA.charCodeAt(ai)] = ai;

  /** Names of the index files loaded, in order, and of those asked for, loaded or not (for the
   * figures of bench/search.rs). */
  EXS.loaded = [];
  EXS.asked = [];
  EXS.add = function (name, data) {
    store[name] = data;
    var w = waiting[name];
    if (w) {
      delete waiting[name];
      for (var i = 0; i < w.length; i++) w[i][0](data);
    }
  };
  /** Loads search/<name>.js; replaced in tests that run the engine elsewhere. */
  EXS.loader = function (name) {
    var s = document.createElement("script");
    s.src = EXS.base + name + ".js";
    s.async = true;
    s.onerror = function () {
      var w = waiting[name];
      delete waiting[name];
      if (w) for (var i = 0; i < w.length; i++) w[i][1](new Error("cannot load " + name));
    };
    document.head.appendChild(s);
  };
  function need(name) {
    EXS.asked.push(name);
    if (store[name] !== undefined) return Promise.resolve(store[name]);
    return new Promise(function (resolve, reject) {
      if (waiting[name]) {
        waiting[name].push([resolve, reject]);
        return;
      }
      waiting[name] = [[resolve, reject]];
      EXS.loaded.push(name);
      EXS.loader(name);
    });
  }

  // ---- tokenizer (src/search/tokenize.rs) ----
  function fold(c) {
    if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0;
    else if (c === 0x3000) c = 0x20;
    if (c >= 0x41 && c <= 0x5a) return c + 0x20;
    if (c >= 0xc0 && c <= 0xde && c !== 0xd7) return c + 0x20;
    return c;
  }
  var CJK = 0, WORD = 1, OTHER = 2;
  function cls(c) {
    if ((c >= 0x3005 && c <= 0x3007) || (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
        (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x3ffff)) return CJK;
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0xdf && c <= 0xf6) ||
        (c >= 0xf8 && c <= 0xff) || (c >= 0x100 && c <= 0x24f)) return WORD;
    return OTHER;
  }
  function codes(text) {
    var out = [];
    for (var i = 0; i < text.length; i++) {
      var c = text.codePointAt(i);
      if (c > 0xffff) i++;
      out.push(c);
    }
    return out;
  }
  function str(cps) { return String.fromCodePoint.apply(null, cps); }
  /** Runs of folded text: {cjk: [code points]} or {word: "text"}. */
  function runs(text) {
    var out = [], cjk = [], word = [];
    function flush() {
      if (cjk.length) { out.push({ cjk: cjk }); cjk = []; }
      if (word.length) { out.push({ word: str(word) }); word = []; }
    }
    var cps = codes(text);
    for (var i = 0; i < cps.length; i++) {
      var c = fold(cps[i]), k = cls(c);
      if (k === CJK) { if (word.length) flush(); cjk.push(c); }
      else if (k === WORD) { if (cjk.length) flush(); if (word.length < MAX_WORD) word.push(c); }
      else flush();
    }
    flush();
    return out;
  }

  // ---- query parsing (query::parse) ----
  function isSpace(c) { return c === 0x20 || c === 9 || c === 10 || c === 13 || c === 0xa0; }
  /** Whether a query has no text at all (query::is_blank): it lists every case. */
  function isBlank(text) { return codes(text || "").map(fold).every(isSpace); }
  /** Whether the first character from `i` on that is not a space is CJK. */
  function cjkNext(cps, i) {
    while (i < cps.length && isSpace(cps[i])) i++;
    return i < cps.length && cls(cps[i]) === CJK;
  }
  function parse(text) {
    var cps = codes(text).map(fold), raw = [], cur = [], quoted = false;
    for (var i = 0; i < cps.length; i++) {
      var c = cps[i];
      if (quoted) {
        if (c === 0x22 || c === 0x201d || c === 0x300d || c === 0x300f) { quoted = false; raw.push(cur); cur = []; }
        // Quoted Chinese is a phrase: the spaces between its characters are left out.
        else if (isSpace(c) && cur.length && cls(cur[cur.length - 1]) === CJK && cjkNext(cps, i + 1)) continue;
        else cur.push(c);
      } else if (c === 0x22 || c === 0x201c || c === 0x300c || c === 0x300e) { raw.push(cur); cur = []; quoted = true; }
      else if (isSpace(c)) { raw.push(cur); cur = []; }
      else cur.push(c);
    }
    raw.push(cur);
    var clauses = [];
    raw.forEach(function (r) {
      var rs = runs(str(r));
      if (!rs.length) return;
      // Where each bigram and word must sit, counted as the index counts positions: a word takes
      // one, a CJK run one a character and one for its end.
      var terms = [], seen = {}, chain = [], pos = 0;
      rs.forEach(function (run, i) {
        if (run.word !== undefined) {
          var prefix = i === rs.length - 1 && codes(run.word).length >= 2;
          terms.push({ prefix: prefix, key: run.word });
          chain.push([terms.length - 1, pos]);
          pos += 1;
        } else {
          if (run.cjk.length === 1) terms.push({ prefix: false, key: str(run.cjk) });
          for (var j = 0; j + 1 < run.cjk.length; j++) {
            var b = str(run.cjk.slice(j, j + 2));
            if (seen[b] === undefined) { seen[b] = terms.length; terms.push({ prefix: false, key: b }); }
            chain.push([seen[b], pos + j]);
          }
          pos += run.cjk.length + 1;
        }
      });
      clauses.push({ terms: terms, runs: rs, chains: chain.length >= 2 ? [chain] : [] });
    });
    return clauses;
  }

  // ---- index files (files.rs) ----
  function reader(text) {
    // acc holds the next `left` bits (at most 29) of the text, six bits a character.
    var ci = 0, acc = 0, left = 0;
    function fill() {
      if (ci >= text.length) throw new Error("bad index data");
      var v = AVAL[text.charCodeAt(ci++) & 127];
      if (v < 0) throw new Error("bad index data");
      acc = (acc << 6) | v;
      left += 6;
    }
    function bit() {
      if (!left) fill();
      left--;
      var b = (acc >>> left) & 1;
      acc &= (1 << left) - 1;
      return b;
    }
    /** n bits (n ≤ 31) as a number, most significant first. */
    function bits(n) {
      if (n > 20) return bits(n - 20) * 1048576 + bits(20);
      while (left < n) fill();
      left -= n;
      var v = acc >>> left;
      acc &= (1 << left) - 1;
      return v;
    }
    /** How many bits equal to `b` come before the next other bit, which is read too. */
    function repeats(b) {
      var n = 0;
      for (;;) {
        if (!left) fill();
        var other = (b ? ~acc : acc) & ((1 << left) - 1);
        if (!other) {
          n += left;
          left = 0;
          acc = 0;
          if (n > 1e6) throw new Error("bad index data");
          continue;
        }
        var at = 31 - Math.clz32(other);
        n += left - 1 - at;
        left = at;
        acc &= (1 << left) - 1;
        return n;
      }
    }
    function gamma() { var n = repeats(0); if (n > 31) throw new Error("bad index data"); return Math.pow(2, n) + bits(n); }
    return {
      bits: bits,
      gamma: gamma,
      rice: function (k) { var q = repeats(1); return q * Math.pow(2, k) + bits(k); },
      /** A position mask modulo m (BitWriter::mask): a number for m ≤ 32, else 32-bit words. */
      mask: function (m) {
        var b = LOG2[m], p, count, i;
        if (m <= 32) {
          if (!bit()) return (1 << bits(b)) >>> 0;
          var mask = 0;
          count = gamma() + 1;
          // Every bit set: nothing more is written.
          if (count >= m) return m === 32 ? 0xffffffff : ((1 << m) - 1) >>> 0;
          if (count * b < m) for (i = 0; i < count; i++) mask |= 1 << bits(b);
          else for (p = 0; p < m; p++) if (bit()) mask |= 1 << p;
          return mask >>> 0;
        }
        var words = new Uint32Array(m / 32);
        if (!bit()) { p = bits(b); words[p >> 5] |= 1 << (p & 31); return words; }
        count = gamma() + 1;
        if (count >= m) return words.fill(0xffffffff);
        if (count * b < m) for (i = 0; i < count; i++) { p = bits(b); words[p >> 5] |= 1 << (p & 31); }
        else for (p = 0; p < m; p++) if (bit()) words[p >> 5] |= 1 << (p & 31);
        return words;
      },
    };
  }
  var LOG2 = { 8: 3, 16: 4, 32: 5, 64: 6, 128: 7, 256: 8 };
  /** Lists of case numbers, and (given the moduli of the term's masks: each case's, or one for
   * all) their masks (files.rs: decode_entries): [{docs: [..], masks: [..]}]. */
  function decodeLists(text, count, moduli) {
    var r = reader(text), lists = [];
    for (var l = 0; l < count; l++) {
      var len = r.gamma() - 1, docs = new Array(len), masks = null;
      if (len > 0) {
        var k = r.bits(4), prev = -1;
        for (var i = 0; i < len; i++) { prev += r.rice(k) + 1; docs[i] = prev; }
        if (moduli) {
          masks = new Array(len);
          for (var j = 0; j < len; j++) masks[j] = r.mask(typeof moduli === "number" ? moduli : moduli[docs[j]] || 8);
        }
      }
      lists.push({ docs: docs, masks: masks });
    }
    return lists;
  }
  function hash(key) {
    var h = 0x811c9dc5, cps = codes(key);
    for (var i = 0; i < cps.length; i++) { h ^= cps[i]; h = Math.imul(h, 0x01000193) >>> 0; }
    return h >>> 0;
  }
  function shardKey(term) {
    var cps = codes(term);
    if (cps.length && cls(cps[0]) === CJK) return term;
    // A word's positions: the mark and the word's two characters.
    var chars = cps[0] === POSITIONS_MARK ? 3 : 2;
    return cps.length > chars ? str(cps.slice(0, chars)) : term;
  }
  /** The manifest with its lists decoded once: where index files start, each case's modulus. */
  function layout(manifest) {
    if (manifest.starts) return manifest;
    manifest.starts = decodeLists(manifest.files, 1)[0].docs;
    var moduli = new Uint8Array(manifest.docs).fill(8);
    decodeLists(manifest.wide, manifest.wide_moduli.length).forEach(function (list, i) {
      list.docs.forEach(function (d) { moduli[d] = manifest.wide_moduli[i]; });
    });
    manifest.moduli = moduli;
    return manifest;
  }
  /** The index file holding a term: the last whose first bucket is at or before the term's. */
  function shardOf(term, manifest) {
    var bucket = hash(shardKey(term)) >>> 16, starts = manifest.starts, lo = 0, hi = starts.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (starts[mid] <= bucket) lo = mid; else hi = mid - 1; }
    return "s/" + lo;
  }

  var facetCache = null;
  function facetData() {
    // The indicators' scores are read per case: the manifest says how many there are.
    return Promise.all([need("facets"), need("manifest")]).then(function (got) {
      var f = got[0];
      if (facetCache) return facetCache;
      facetCache = {
        facets: f.facets.map(function (fc) {
          return { id: fc.id, values: fc.values.map(function (v) { return { key: v[0], label: v[1], docs: decodeLists(v[2], 1)[0].docs }; }) };
        }),
        indicators: f.indicators.map(function (ind) {
          var r = reader(ind.scores), n = store.manifest.docs, scores = new Array(n);
          for (var i = 0; i < n; i++) { var s = r.bits(12); scores[i] = s === 4095 ? null : s; }
          return { id: ind.id, label: ind.label, scores: scores };
        }),
      };
      return facetCache;
    });
  }

  // ---- the engine (query::search) ----
  /** Tier (0 best … 3) of each case having the term, 255 for none. */
  var parsed = {};
  /** A shard as {term: postings}, parsed from its lines once. */
  function shardTerms(name) {
    if (parsed[name]) return parsed[name];
    var map = Object.create(null);
    (store[name] || "").split("\n").forEach(function (line) {
      var sp = line.indexOf(" ");
      if (sp > 0) map[line.slice(0, sp)] = line.slice(sp + 1);
    });
    return (parsed[name] = map);
  }
  function isBigram(key) { var c = codes(key); return c.length === 2 && cls(c[0]) === CJK && cls(c[1]) === CJK; }
  function isWord(key) { return cls(codes(key)[0]) === WORD; }
  /** The modulus of a word's masks in every case (index::WORD_MODULUS). */
  var WORD_MODULUS = 128;
  /** The moduli of a term's masks (files::moduli_of): each case's for a bigram, WORD_MODULUS for a
   * word, none for a single CJK character. */
  function moduliOf(key, manifest) { return isBigram(key) ? manifest.moduli : key.charCodeAt(0) === POSITIONS_MARK ? WORD_MODULUS : null; }
  /** A word's positions are a term of their own, "~word", in another index file, read only to
   * check a phrase (files::positions_term). */
  var POSITIONS_MARK = 0x7e;
  function positionsTerm(term) { return { prefix: term.prefix, key: "~" + term.key }; }
  /** Whether term i of a clause is a word a chain places (its positions are needed). */
  function placed(clause, i) {
    var t = clause.terms[i];
    if (!(t.prefix || isWord(t.key))) return false;
    return clause.chains.some(function (chain) { return chain.some(function (e) { return e[0] === i; }); });
  }
  /** A word's mask (modulo WORD_MODULUS) modulo m (index::fold_mask). */
  function foldMask(mask, m) {
    if (m >= WORD_MODULUS) return mask;
    var out = m <= 32 ? 0 : new Uint32Array(m / 32);
    for (var p = 0; p < WORD_MODULUS; p++) {
      if (!bitAt(mask, p)) continue;
      var q = p % m;
      if (m <= 32) out = (out | (1 << q)) >>> 0;
      else out[q >> 5] |= 1 << (q & 31);
    }
    return out;
  }
  function orMasks(a, b) {
    if (typeof a === "number") return (a | b) >>> 0;
    var out = new Uint32Array(a.length);
    for (var i = 0; i < a.length; i++) out[i] = a[i] | b[i];
    return out;
  }
  /** The last terms decoded (a query typed or refined, and its facet counts, use them again). */
  var decoded = new Map();
  function termTiers(term, manifest) {
    var key = (term.prefix ? "*" : "=") + term.key, got = decoded.get(key);
    if (got) { decoded.delete(key); decoded.set(key, got); return got; }
    got = decodeTerm(term, manifest);
    decoded.set(key, got);
    if (decoded.size > 16) decoded.delete(decoded.keys().next().value);
    return got;
  }
  /** Tier (0 best … 3, 255 for none) and position mask of each case for the term; a prefix's
   * mask holds the positions of every word it starts. */
  function decodeTerm(term, manifest) {
    var n = manifest.docs, tiers = new Uint8Array(n).fill(255), masks = new Array(n);
    var shard = shardTerms(shardOf(term.key, manifest));
    function add(key) {
      decodeLists(shard[key], manifest.tiers, moduliOf(key, manifest)).forEach(function (list, t) {
        for (var i = 0; i < list.docs.length; i++) {
          var d = list.docs[i], mask = list.masks ? list.masks[i] : 0;
          if (d >= n) continue;
          if (tiers[d] === 255) { tiers[d] = t; masks[d] = mask; }
          else { tiers[d] = Math.min(tiers[d], t); masks[d] = orMasks(masks[d], mask); }
        }
      });
    }
    if (!term.prefix) { if (shard[term.key] !== undefined) add(term.key); }
    else Object.keys(shard).forEach(function (k) { if (k.lastIndexOf(term.key, 0) === 0) add(k); });
    return { tiers: tiers, masks: masks };
  }
  function bitAt(mask, p) { return typeof mask === "number" ? (mask >>> p) & 1 : (mask[p >> 5] >>> (p & 31)) & 1; }
  /** Whether bigrams with these masks can sit at these offsets from one position (query::aligned). */
  function aligned(masks, offsets, m) {
    for (var r = 0; r < m; r++) {
      var ok = true;
      for (var i = 0; i < masks.length; i++) if (!masks[i] || !bitAt(masks[i], (r + offsets[i]) % m)) { ok = false; break; }
      if (ok) return true;
    }
    return false;
  }
  function popcount(mask) {
    if (typeof mask !== "number") { var s = 0; for (var i = 0; i < mask.length; i++) s += popcount(mask[i]); return s; }
    var c = 0;
    while (mask) { c += mask & 1; mask >>>= 1; }
    return c;
  }
  /** The last results, by query: the search page asks again for what it prepared while the
   * reader typed. Results are never changed once made. */
  var results = new Map();
  /** Runs a query: {text, filters: [[facet, value]], min: [[indicator, number]], sort}. */
  function search(query) {
    var key = JSON.stringify([query.text || "", query.filters || [], query.min || [], query.sort || "", !!query.facets]);
    var got = results.get(key);
    if (got) { results.delete(key); results.set(key, got); return got; }
    got = find(query);
    results.set(key, got);
    if (results.size > 8) results.delete(results.keys().next().value);
    got.catch(function () { results.delete(key); });
    return got;
  }
  function find(query) {
    return need("manifest").then(function (manifest) {
      layout(manifest);
      var clauses = parse(query.text || "");
      var shards = {};
      clauses.forEach(function (c) {
        c.terms.forEach(function (t, i) {
          shards[shardOf(t.key, manifest)] = 1;
          if (placed(c, i)) shards[shardOf(positionsTerm(t).key, manifest)] = 1;
        });
      });
      var loads = Object.keys(shards).sort().map(need);
      var wantFacets = (query.filters && query.filters.length) || (query.min && query.min.length) ||
        (query.sort && query.sort !== "relevance" && query.sort !== "date") || query.facets;
      if (wantFacets) loads.push(facetData());
      return Promise.all(loads).then(function () { return run(query, clauses, manifest, wantFacets ? facetCache : null); });
    });
  }
  function run(query, clauses, manifest, fd) {
    var n = manifest.docs, base = [];
    if (!clauses.length) {
      // No text lists every case; text with nothing searchable in it (！！) finds none.
      if (isBlank(query.text)) for (var d0 = 0; d0 < n; d0++) base.push({ doc: d0, score: 0 });
    } else {
      var score = new Uint32Array(n), alive = new Uint8Array(n).fill(1);
      clauses.forEach(function (clause) {
        var tiers = null, found = clause.terms.map(function (term) { return termTiers(term, manifest); });
        found.forEach(function (f) {
          if (!tiers) tiers = f.tiers.slice();
          else for (var d = 0; d < n; d++) tiers[d] = tiers[d] === 255 || f.tiers[d] === 255 ? 255 : Math.max(tiers[d], f.tiers[d]);
        });
        var chains = clause.chains, moduli = manifest.moduli;
        var bigrams = [], word = [], positions = [];
        clause.terms.forEach(function (t, i) {
          word[i] = t.prefix || isWord(t.key);
          if (placed(clause, i)) positions[i] = termTiers(positionsTerm(t), manifest);
          if (!t.prefix && isBigram(t.key)) bigrams.push(i);
        });
        for (var d = 0; d < n; d++) {
          if (tiers[d] === 255) { alive[d] = 0; continue; }
          var ok = true;
          for (var c = 0; ok && c < chains.length; c++) {
            // Words alone are checked modulo their own modulus; beside bigrams, modulo the case's.
            var ms = [], offs = [], m = WORD_MODULUS;
            for (var e0 = 0; e0 < chains[c].length; e0++) if (!word[chains[c][e0][0]]) m = moduli[d];
            for (var e = 0; e < chains[c].length; e++) {
              var t = chains[c][e][0], mask = (positions[t] || found[t]).masks[d];
              ms.push(word[t] && mask ? foldMask(mask, m) : mask);
              offs.push(chains[c][e][1]);
            }
            ok = aligned(ms, offs, m);
          }
          if (!ok) { alive[d] = 0; continue; }
          var occ = 1;
          for (var bi = 0; bi < bigrams.length; bi++) {
            var pc = Math.min(popcount(found[bigrams[bi]].masks[d]), 8);
            occ = bi === 0 ? pc : Math.min(occ, pc);
          }
          score[d] += WEIGHTS[tiers[d]] * 8 + occ;
        }
      });
      for (var d1 = 0; d1 < n; d1++) if (alive[d1]) base.push({ doc: d1, score: score[d1] });
    }
    var counts = null, masks = [];
    if (fd) {
      var indicator = function (id) { return fd.indicators.filter(function (i) { return i.id === id; })[0]; };
      (query.min || []).forEach(function (m) {
        var ind = indicator(m[0]), threshold = Math.round(m[1] * 10);
        base = base.filter(function (h) { var s = ind ? ind.scores[h.doc] : null; return s !== null && s !== undefined && s >= threshold; });
      });
      masks = fd.facets.map(function (facet) {
        var chosen = (query.filters || []).filter(function (f) { return f[0] === facet.id; }).map(function (f) { return f[1]; });
        if (!chosen.length) return null;
        var mask = new Uint8Array(n);
        facet.values.forEach(function (v) { if (chosen.indexOf(v.key) >= 0) v.docs.forEach(function (d) { mask[d] = 1; }); });
        return mask;
      });
      var kept = function (doc, skip) {
        for (var f = 0; f < masks.length; f++) if (f !== skip && masks[f] && !masks[f][doc]) return false;
        return true;
      };
      counts = fd.facets.map(function (facet, f) {
        var inFacet = new Uint8Array(n);
        base.forEach(function (h) { if (kept(h.doc, f)) inFacet[h.doc] = 1; });
        return facet.values.map(function (v) { var c = 0; v.docs.forEach(function (d) { c += inFacet[d]; }); return c; });
      });
      base = base.filter(function (h) { return kept(h.doc, -1); });
    }
    var sort = query.sort || "relevance";
    if (sort === "relevance") base.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
    else if (sort === "date") base.sort(function (a, b) { return a.doc - b.doc; });
    else {
      var ind = fd && fd.indicators.filter(function (i) { return i.id === sort; })[0];
      var sc = function (d) { var s = ind ? ind.scores[d] : null; return s === null || s === undefined ? -1 : s; };
      base.sort(function (a, b) { return sc(b.doc) - sc(a.doc) || a.doc - b.doc; });
    }
    return { hits: base, counts: counts, clauses: clauses, facets: fd };
  }
  /** The shown cases' records [url, title, site, enterprise, date, status, text]. */
  function docs(ids) {
    var records = [];
    return docsInOrder(ids, function (rec) { records.push(rec); }).then(function () { return records; });
  }
  /** Hands the records of `ids` to `each` in order, each as soon as it and those before it have
   * loaded: the first results show while the excerpt groups of later ones are still on their way
   * (each group is a script of its own, and the browser loads a few at a time). */
  function docsInOrder(ids, each) {
    var size = store.manifest.group, next = 0, names = [];
    function group(d) { return "d/" + Math.floor(d / size); }
    function flush() {
      while (next < ids.length && store[group(ids[next])] !== undefined) {
        each(store[group(ids[next])][ids[next] % size], next);
        next++;
      }
    }
    // Asked for in the order of the results, so that the first rows' groups come first.
    ids.forEach(function (d) { if (names.indexOf(group(d)) < 0) names.push(group(d)); });
    return Promise.all(names.map(function (name) { return need(name).then(flush); })).then(flush);
  }
  /** Ranges [start, end) in code points where the clauses' runs occur (query::highlights). */
  function highlights(text, clauses) {
    var cps = codes(text).map(fold), ranges = [];
    clauses.forEach(function (c) {
      c.runs.forEach(function (run) {
        var needle = run.word !== undefined ? codes(run.word) : run.cjk, word = run.word !== undefined;
        if (!needle.length || needle.length > cps.length) return;
        for (var s = 0; s + needle.length <= cps.length; s++) {
          var ok = true;
          for (var j = 0; j < needle.length; j++) if (cps[s + j] !== needle[j]) { ok = false; break; }
          if (!ok || (word && s > 0 && cls(cps[s - 1]) === WORD)) continue;
          ranges.push([s, s + needle.length]);
        }
      });
    });
    ranges.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var merged = [];
    ranges.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    });
    return merged;
  }
  EXS.engine = { fold: fold, runs: runs, parse: parse, search: search, docs: docs, highlights: highlights, decodeLists: decodeLists, hash: hash, need: need };

  // ---- the search page ----
  if (typeof document === "undefined") return;
  var script = document.currentScript;
  EXS.base = (script && script.getAttribute("data-index")) || "../search/";
  var filterBox = document.getElementById("case-filter");
  if (filterBox) caseFilter(filterBox);
  var app = document.getElementById("search-app");
  if (!app) return;

  var S = app.dataset;
  var input = document.getElementById("search-q");
  var form = document.getElementById("search-form");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var facetBox = document.getElementById("search-facets");
  var sortSel = document.getElementById("search-sort");
  var indSel = document.getElementById("search-ind");
  var minSel = document.getElementById("search-min");
  var clearBtn = document.getElementById("search-clear");
  var filterStatus = document.getElementById("search-filter-status");
  var toResults = document.getElementById("search-to-results");
  var root = S.root || "../";
  var PAGE = 10;
  var state = { text: "", filters: [], min: [], sort: "relevance", shown: PAGE };
  var expanded = {};
  var seq = 0;
  var timer = null;
  /** Whether an input method is composing (uncommitted pinyin is in the box). */
  var composing = false;

  /** A string from the page with `{n}` filled, and `{n|one|other}` the word that agrees with the
   * number n (English: "1 case", "2 cases"), as i18n::fill does for the templates. */
  function fmt(s, args) {
    return s.replace(/\{(\w+)(?:\|([^|}]*)\|([^}]*))?\}/g, function (m, k, one, other) {
      if (args[k] === undefined) return m;
      if (one === undefined) return args[k];
      return String(args[k]) === "1" ? one : other;
    });
  }
  // One facet as a fieldset of checkboxes with counts (the search page and the case lists): the
  // first 8 values and any chosen one past them (a chosen value is always in sight, checked), then
  // a button that shows the rest (`expanded[facet.id]`) and draws again.
  function facetFieldset(facet, values, strings, expanded, isChosen, toggle, redraw) {
    var fs = el("fieldset", "search-facet");
    fs.setAttribute("data-facet", facet.id);
    fs.appendChild(el("legend", "", strings["facet_" + facet.id] || facet.id));
    var all = expanded[facet.id], rest = [];
    values.forEach(function (x, i) {
      if (!all && i >= 8 && !isChosen(facet.id, x.v.key)) { rest.push(x); return; }
      var label = el("label", "search-facet__value"), box = el("input");
      box.type = "checkbox";
      box.setAttribute("data-focus", facet.id + "=" + x.v.key);
      box.checked = isChosen(facet.id, x.v.key);
      box.addEventListener("change", function () { toggle(facet.id, x.v.key, box.checked); });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + x.v.label + " "));
      label.appendChild(el("span", "search-facet__count", "(" + x.count + ")"));
      fs.appendChild(label);
    });
    if (rest.length) {
      var b = el("button", "search-facet__more", strings.moreValues);
      b.type = "button";
      // Once it has shown the rest, the button is gone: its focus goes to the first value it showed.
      b.setAttribute("data-focus", facet.id + "=" + rest[0].v.key);
      b.addEventListener("click", function () { expanded[facet.id] = true; redraw(); });
      fs.appendChild(b);
    }
    return fs;
  }

  /** Draws the facets into `box` again. Their controls are new elements: the one that had the
   * keyboard focus hands it to its successor (same `data-focus`), or the focus would fall to the
   * page's body and a keyboard user would have to find their place again. A value that is gone (a
   * count of 0, no longer chosen) hands it to the value now in its place in its facet (or the one
   * before it), else to the first value drawn, else to `fallback`. */
  function redrawFacets(box, draw, fallback) {
    var active = document.activeElement, had = box.contains(active) ? active.getAttribute("data-focus") : null;
    var fs = had !== null && active.closest("fieldset"), facet = fs && fs.getAttribute("data-facet");
    var at = fs ? Array.prototype.indexOf.call(fs.querySelectorAll("[data-focus]"), active) : 0;
    box.textContent = "";
    draw();
    if (had === null) return;
    var controls = Array.prototype.slice.call(box.querySelectorAll("[data-focus]"));
    var next = controls.filter(function (e) { return e.getAttribute("data-focus") === had; })[0];
    if (!next) {
      var own = controls.filter(function (e) { return e.closest("fieldset").getAttribute("data-facet") === facet; });
      next = own[Math.min(at, own.length - 1)] || controls[0] || fallback;
    }
    if (next) next.focus();
  }

  /** Holds the page still while `drawn` appends rows: the new ones take the show-more button's
   * place. The browser's scroll anchoring would hold on to the first element in view in the
   * page's order, and on a phone that is the filters, which come first in the page but are shown
   * below the results: it scrolled past the new rows. */
  function appending(drawn) {
    var page = document.documentElement;
    page.style.overflowAnchor = "none";
    return drawn.then(function () { page.style.overflowAnchor = ""; }, function () { page.style.overflowAnchor = ""; });
  }

  /** The filters whose facet has that value (`skip`: a facet no filter may name). */
  function knownFilters(fd, filters, skip) {
    return filters.filter(function (f) {
      var facet = fd.facets.filter(function (x) { return x.id === f[0]; })[0];
      return f[0] !== skip && !!facet && facet.values.some(function (v) { return v.key === f[1]; });
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  /** Appends text to parent with <mark>s at the ranges (code points): never HTML. */
  function marked(parent, cps, ranges, from, to) {
    var pos = from;
    ranges.forEach(function (r) {
      var s = Math.max(r[0], from), e = Math.min(r[1], to);
      if (e <= s) return;
      if (s > pos) parent.appendChild(document.createTextNode(str(cps.slice(pos, s))));
      parent.appendChild(el("mark", "", str(cps.slice(s, e))));
      pos = e;
    });
    if (pos < to) parent.appendChild(document.createTextNode(str(cps.slice(pos, to))));
  }

  function readUrl() {
    var params = new URLSearchParams(location.search || "");
    if (!params.has("q") && location.hash.length > 1) params = new URLSearchParams(location.hash.slice(1));
    state.text = params.get("q") || "";
    state.filters = [];
    state.min = [];
    ["status", "enterprise", "action", "dimension", "year", "tag"].forEach(function (f) {
      params.getAll(f).forEach(function (v) { state.filters.push([f, v]); });
    });
    params.getAll("min").forEach(function (m) {
      var i = m.lastIndexOf(":"), v = parseFloat(m.slice(i + 1));
      if (i > 0 && isFinite(v)) state.min.push([m.slice(0, i), v]);
    });
    state.sort = params.get("sort") || "relevance";
    state.shown = PAGE;
  }
  function writeUrl() {
    var params = new URLSearchParams();
    if (state.text) params.set("q", state.text);
    state.filters.forEach(function (f) { params.append(f[0], f[1]); });
    state.min.forEach(function (m) { params.append("min", m[0] + ":" + m[1]); });
    if (state.sort !== "relevance") params.set("sort", state.sort);
    var qs = params.toString();
    var url = location.pathname + (qs ? "?" + qs : "");
    try {
      history.replaceState(null, "", url);
    } catch (e) {
      // Some browsers refuse to change a file:// URL's query: keep the state in the fragment.
      try { history.replaceState(null, "", "#" + qs); } catch (e2) { /* the URL cannot change */ }
    }
  }

  /** What the list shows the rows of: a query as its results are cached (`search`). */
  function listKey(query) { return JSON.stringify([query.text, query.filters, query.min, query.sort]); }
  var drawnKey = null;
  /** Draws the results. With `append` (the show-more button), the rows the list already has for this
   * query stay and the next ones are appended, the first of them given the keyboard focus: drawn
   * anew, the list would shrink and grow under the reader, and on a phone, where the filters sit
   * below the list, the page would keep them in place and scroll past the new rows. */
  function render(res, query, my, append) {
    var hits = res.hits;
    if (!hits.length) {
      list.textContent = "";
      drawnKey = null;
      app.classList.add("is-empty");
      more.hidden = true;
      renderFacets(res);
      return whyNone(res, query).then(function (why) {
        if (my !== seq) return;
        setStatus(why.text);
        clearBtn.hidden = !why.clear;
        app.setAttribute("data-shown", String(my));
      });
    }
    clearBtn.hidden = true;
    var key = listKey(query);
    var from = append && drawnKey === key ? Math.min(list.children.length, state.shown) : 0;
    // The rows come in order as their excerpts load; the list before them stays until the first.
    var shown = hits.slice(from, state.shown);
    return docsInOrder(shown.map(function (h) { return h.doc; }), function (rec, i) {
      if (my !== seq) return;
      var row = resultRow(rec, res.clauses);
      if (i === 0 && from === 0) {
        list.textContent = "";
        drawnKey = key;
        app.classList.remove("is-empty");
        setStatus(fmt(S.count, { n: hits.length }));
      }
      list.appendChild(row);
      if (i === 0) {
        app.setAttribute("data-first", String(my));
        // The button may go (every result shown): the focus goes to the first new result.
        if (from > 0 && document.activeElement === more) row.querySelector("a").focus();
      }
    }).then(function () {
      if (my !== seq) return;
      more.hidden = hits.length <= state.shown;
      renderFacets(res);
      app.setAttribute("data-shown", String(my));
    });
  }
  /** The status line, and its copy at the filters (on a phone they sit below the results). */
  function setStatus(text) {
    status.textContent = text;
    filterStatus.textContent = text;
  }
  /** Why a query found nothing, and whether clearing the filters would help: {text, clear}. */
  function whyNone(res, query) {
    var filtered = query.filters.length > 0 || query.min.length > 0;
    if (!query.text) return Promise.resolve({ text: S.noneFiltered, clear: filtered });
    if (!res.clauses.length && !isBlank(query.text)) return Promise.resolve({ text: fmt(S.unsearchable, { q: query.text }), clear: false });
    var none = { text: fmt(S.none, { q: query.text }), clear: false };
    if (!filtered) return Promise.resolve(none);
    // The text may well find cases that the filters then hide: say so rather than that no case has it.
    return search({ text: query.text }).then(function (all) {
      return all.hits.length ? { text: fmt(S.noneHidden, { q: query.text, n: all.hits.length }), clear: true } : none;
    });
  }
  /** One result: its title and excerpt with the matches marked, and its site, enterprise, date and status. */
  function resultRow(rec, clauses) {
    var li = el("li", "search-result");
    var h = el("h2", "search-result__title");
    var a = el("a");
    a.href = root + rec[0];
    var tc = codes(rec[1]);
    marked(a, tc, highlights(rec[1], clauses), 0, tc.length);
    h.appendChild(a);
    li.appendChild(h);
    // The site and enterprise are searched too: their matches are marked as the title's are.
    var meta = el("p", "search-result__meta"), parts = 0;
    [rec[2], rec[3], rec[4], rec[5]].forEach(function (part, i) {
      if (!part) return;
      if (parts++) meta.appendChild(document.createTextNode(S.sep));
      if (i > 1) return meta.appendChild(document.createTextNode(part));
      var pc = codes(part);
      marked(meta, pc, highlights(part, clauses), 0, pc.length);
    });
    li.appendChild(meta);
    var cps = codes(rec[6]), ranges = highlights(rec[6], clauses);
    var first = ranges.length ? ranges[0][0] : 0, from = Math.max(0, first - 20), to = Math.min(cps.length, from + 90);
    var p = el("p", "search-result__excerpt");
    if (from > 0) p.appendChild(document.createTextNode("…"));
    marked(p, cps, ranges, from, to);
    if (to < cps.length) p.appendChild(document.createTextNode("…"));
    li.appendChild(p);
    return li;
  }

  function renderFacets(res) {
    if (!res.facets || !res.counts) return;
    redrawFacets(facetBox, function () {
      res.facets.facets.forEach(function (facet, f) {
        var values = facet.values.map(function (v, i) { return { v: v, count: res.counts[f][i] }; })
          .filter(function (x) { return x.count > 0 || isChosen(facet.id, x.v.key); });
        if (!values.length) return;
        facetBox.appendChild(facetFieldset(facet, values, S, expanded, isChosen, toggle, function () { renderFacets(res); }));
      });
    }, input);
    addIndicators(res.facets);
  }
  /** The indicators come with the facet data: once it has loaded, the menus offer them. */
  function addIndicators(fd) {
    if (indSel.options.length > 1) return;
    fd.indicators.forEach(function (ind) {
      indSel.appendChild(new Option(ind.label, ind.id));
      sortSel.appendChild(new Option(fmt(S.sortScore, { indicator: ind.label }), ind.id));
    });
    syncControls();
  }
  /** Drops what a URL names that this site has not (`?sort=bogus`, an unknown indicator's minimum,
   * `?status=bogus`: a shared link to a value since renamed, which no facet would show while it
   * hid every case): the order falls back to relevance, as the menu then shows. Whether anything
   * was dropped. */
  function checkUrl(fd) {
    var ids = fd.indicators.map(function (i) { return i.id; }), before = JSON.stringify([state.sort, state.min, state.filters]);
    if (state.sort !== "relevance" && state.sort !== "date" && ids.indexOf(state.sort) < 0) state.sort = "relevance";
    state.min = state.min.filter(function (m) { return ids.indexOf(m[0]) >= 0; });
    state.filters = knownFilters(fd, state.filters);
    return JSON.stringify([state.sort, state.min, state.filters]) !== before;
  }
  function isChosen(id, key) { return state.filters.some(function (f) { return f[0] === id && f[1] === key; }); }
  function toggle(id, key, on) {
    state.filters = state.filters.filter(function (f) { return !(f[0] === id && f[1] === key); });
    if (on) state.filters.push([id, key]);
    update();
  }
  /** The menus show the state (the text box is left alone: the reader may be typing in it). */
  function syncControls() {
    sortSel.value = state.sort;
    var m = state.min[0];
    indSel.value = m ? m[0] : "";
    // A minimum the menu does not offer (a shared URL's ?min=innovation:92) gets an entry of its
    // own, in order, or the menu would show none while the results are filtered.
    if (m && !Array.prototype.some.call(minSel.options, function (o) { return o.value === String(m[1]); })) {
      var lower = Array.prototype.filter.call(minSel.options, function (o) { return o.value && parseFloat(o.value) < m[1]; })[0];
      minSel.insertBefore(new Option(fmt(S.atLeast, { n: m[1] }), String(m[1])), lower || null);
    }
    minSel.value = m ? String(m[1]) : "";
  }

  function update() {
    state.shown = PAGE;
    go(true);
  }
  /** Searches and draws the results; `changed` (the query, filters or order did) writes the URL;
   * `append` adds the next rows (`render`). */
  function go(changed, append) {
    var my = ++seq;
    var query = { text: state.text, filters: state.filters, min: state.min, sort: state.sort, facets: true };
    app.setAttribute("aria-busy", "true");
    var light = { text: query.text, filters: query.filters, min: query.min, sort: query.sort };
    return search(light).then(function (res) {
      if (my !== seq) return;
      return render(res, query, my, append);
    }).then(function () {
      // The URL changes once the results are drawn: a history change while the query's files
      // load holds their requests back (in Chromium, a few milliseconds a file).
      if (changed && my === seq) writeUrl();
    }).then(function () {
      // Facet counts come after the first results: they need facets.js, the results do not.
      if (my === seq) return search(query).then(function (res) { if (my === seq) renderFacets(res); });
    }).then(function () {
      if (my === seq) { app.setAttribute("aria-busy", "false"); app.setAttribute("data-ready", String(my)); }
    }, function () {
      setStatus(S.error);
      app.setAttribute("aria-busy", "false");
      if (changed && my === seq) writeUrl();
    });
  }

  // Results show 150 ms after the last keystroke (DEBOUNCE), but what they need loads at once: the
  // query's index files at each keystroke (while an input method composes, at its end), and once
  // the input has rested PREPARE ms, the excerpts of its first page. The search then finds both.
  var DEBOUNCE = 150, PREPARE = 50, typedAt = 0;
  function prepare(text) {
    var query = { text: text, filters: state.filters, min: state.min, sort: state.sort };
    search(query).then(function (res) {
      setTimeout(function () {
        if (input.value === text && state.text !== text) docs(res.hits.slice(0, PAGE).map(function (h) { return h.doc; })).catch(function () {});
      }, Math.max(0, typedAt + PREPARE - Date.now()));
    }, function () { /* the search itself reports it */ });
  }
  function typed() {
    clearTimeout(timer);
    typedAt = Date.now();
    var text = input.value;
    prepare(text);
    // The text as typed now: by the time the timer fires an input method may be composing again.
    timer = setTimeout(function () { state.text = text; update(); }, DEBOUNCE);
  }
  // While an input method composes, the box holds uncommitted pinyin (anquan), not the reader's
  // words: nothing is loaded, searched or written into the URL until the composition ends.
  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () { composing = false; typed(); });
  input.addEventListener("input", function (e) { if (!e.isComposing && !composing) typed(); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(timer);
    state.text = input.value;
    update();
  });
  input.addEventListener("keydown", function (e) {
    // Esc and the arrows belong to the input method while it composes (cancel, choose a word).
    if (e.isComposing || composing) return;
    if (e.key === "Escape") { input.value = ""; state.text = ""; update(); }
    else if (e.key === "ArrowDown") {
      var first = list.querySelector("a");
      if (first) { e.preventDefault(); first.focus(); }
    }
  });
  list.addEventListener("keydown", function (e) {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    var links = Array.prototype.slice.call(list.querySelectorAll("a")), i = links.indexOf(document.activeElement);
    if (i < 0) return;
    e.preventDefault();
    if (e.key === "ArrowDown" && i + 1 < links.length) links[i + 1].focus();
    else if (e.key === "ArrowUp") (i > 0 ? links[i - 1] : input).focus();
  });
  more.addEventListener("click", function () { state.shown += PAGE; appending(go(false, true)); });
  sortSel.addEventListener("change", function () { state.sort = sortSel.value; update(); });
  function rangeChanged() {
    state.min = indSel.value && minSel.value ? [[indSel.value, parseFloat(minSel.value)]] : [];
    update();
  }
  indSel.addEventListener("change", rangeChanged);
  minSel.addEventListener("change", rangeChanged);
  // At the filters (below the results on a phone): back up to the results, the first one focused.
  toResults.addEventListener("click", function () {
    var first = list.querySelector("a");
    app.querySelector(".search__main").scrollIntoView({ block: "start" });
    (first || input).focus({ preventScroll: true });
  });
  clearBtn.addEventListener("click", function () {
    state.filters = [];
    state.min = [];
    syncControls();
    // The button goes away with the filters: the focus goes back to the query.
    input.focus();
    update();
  });

  readUrl();
  input.value = state.text;
  syncControls();
  app.hidden = false;
  if (state.filters.length || state.min.length || (state.sort !== "relevance" && state.sort !== "date")) {
    // The URL names filters or an indicator: they need the facet data (the search would load it),
    // and a value or indicator the site has not is dropped.
    facetData().then(function (fd) { var dropped = checkUrl(fd); addIndicators(fd); syncControls(); go(dropped); }, function () { go(); });
  } else {
    go();
  }

  // ---- filters on the case lists (list.html, term.html: partials/case_filter.html) ----
  /** The same facet data and engine as the search page, without text and newest first; a term
   * page keeps its own term as a filter. Facet data loads when the panel opens or the URL has
   * filters; until a filter is chosen the page's own list stays. */
  function caseFilter(box) {
    var D = box.dataset, root = D.root || "../";
    var FACETS = ["status", "enterprise", "action", "dimension", "year", "tag"];
    var panel = document.getElementById("case-filter-panel"), facetsEl = document.getElementById("case-filter-facets");
    var statusEl = document.getElementById("case-filter-status"), results = document.getElementById("case-filter-results");
    var more = document.getElementById("case-filter-more"), clear = document.getElementById("case-filter-clear");
    var bar = document.getElementById("case-filter-bar"), toResults = document.getElementById("case-filter-to-results");
    var fixed = D.fixedFacet ? [D.fixedFacet, D.fixedKey] : null;
    var chosen = [], shown = 10, seq = 0, open = {}, started = false, drawnKey = null;
    function read() {
      var params = new URLSearchParams(location.search || "");
      if (!FACETS.some(function (f) { return params.has(f); }) && location.hash.length > 1) params = new URLSearchParams(location.hash.slice(1));
      chosen = [];
      FACETS.forEach(function (f) { params.getAll(f).forEach(function (v) { chosen.push([f, v]); }); });
    }
    function write() {
      var params = new URLSearchParams();
      chosen.forEach(function (f) { params.append(f[0], f[1]); });
      var qs = params.toString();
      try { history.replaceState(null, "", location.pathname + (qs ? "?" + qs : "")); }
      catch (e) { try { history.replaceState(null, "", "#" + qs); } catch (e2) { /* the URL cannot change */ } }
    }
    function isChosen(id, key) { return chosen.some(function (f) { return f[0] === id && f[1] === key; }); }
    function toggle(id, key, on) {
      chosen = chosen.filter(function (f) { return !(f[0] === id && f[1] === key); });
      if (on) chosen.push([id, key]);
      shown = 10;
      // The URL after the list (a history change holds back the requests in flight).
      update().then(write);
    }
    function done(my) { box.setAttribute("aria-busy", "false"); box.setAttribute("data-ready", String(my)); }
    function renderFacets(res) {
      redrawFacets(facetsEl, function () {
        res.facets.facets.forEach(function (facet, f) {
          if (fixed && facet.id === fixed[0]) return;
          var values = facet.values.map(function (v, i) { return { v: v, count: res.counts[f][i] }; })
            .filter(function (x) { return x.count > 0 || isChosen(facet.id, x.v.key); });
          if (!values.length) return;
          facetsEl.appendChild(facetFieldset(facet, values, D, open, isChosen, toggle, function () { renderFacets(res); }));
        });
      }, panel.querySelector("summary"));
    }
    /** Searches and draws the list; `append` (the show-more button) appends the next rows to those
     * drawn, the first of them given the keyboard focus (the button may go: all are shown). */
    function update(append) {
      var my = ++seq;
      started = true;
      box.setAttribute("aria-busy", "true");
      var query = { text: "", filters: fixed ? chosen.concat([fixed]) : chosen, sort: "date", facets: true };
      return search(query).then(function (res) {
        if (my !== seq) return;
        // The page's own list follows this script in the page: looked up once it is parsed.
        var active = chosen.length > 0, staticList = document.getElementById("case-list-static");
        // The bar first: a value focused again by the facets' drawing is kept clear of it.
        bar.className = active ? "case-filter__bar" : "";
        toResults.hidden = !active || !res.hits.length;
        renderFacets(res);
        if (staticList) staticList.hidden = active;
        results.hidden = !active;
        clear.hidden = !active;
        if (!active) { statusEl.textContent = ""; more.hidden = true; return done(my); }
        statusEl.textContent = res.hits.length ? fmt(D.count, { n: res.hits.length }) : D.none;
        var key = JSON.stringify(chosen), from = append && drawnKey === key ? Math.min(results.children.length, shown) : 0;
        var ids = res.hits.slice(from, shown).map(function (h) { return h.doc; });
        if (!ids.length && !from) { results.textContent = ""; drawnKey = null; }
        // As on the search page: rows in order as their groups arrive, the list before kept till then.
        return docsInOrder(ids, function (rec, i) {
          if (my !== seq) return;
          if (i === 0 && !from) { results.textContent = ""; drawnKey = key; }
          var li = el("li", "search-result"), h = el("h2", "search-result__title"), a = el("a", "", rec[1]);
          a.href = root + rec[0];
          h.appendChild(a);
          li.appendChild(h);
          li.appendChild(el("p", "search-result__meta", [rec[2], rec[3], rec[4], rec[5]].filter(Boolean).join(D.sep)));
          results.appendChild(li);
          if (i === 0 && from && document.activeElement === more) a.focus();
        }).then(function () {
          if (my !== seq) return;
          more.hidden = res.hits.length <= shown;
          done(my);
        });
      }).catch(function () { statusEl.textContent = D.error; box.setAttribute("aria-busy", "false"); });
    }
    panel.addEventListener("toggle", function () { if (panel.open && !started) update(); });
    clear.addEventListener("click", function () {
      chosen = [];
      // The button goes away with the filters: the focus goes back to the panel's heading.
      panel.querySelector("summary").focus();
      update().then(write);
    });
    more.addEventListener("click", function () { shown += 10; appending(update(true)); });
    // From the bar: the page scrolled to where the bar rests, just above the cases it found, and
    // the first of them focused.
    toResults.addEventListener("click", function () {
      var first = results.querySelector("a");
      window.scrollBy(0, bar.parentNode.getBoundingClientRect().bottom - bar.offsetHeight);
      if (first) first.focus({ preventScroll: true });
    });
    read();
    box.hidden = false;
    if (chosen.length) {
      started = true;
      panel.open = true;
      // A value the site has not (a shared link to one since renamed), or of the term page's own
      // facet, would hide cases with no box to show it: dropped, from the URL too.
      facetData().then(function (fd) {
        var known = knownFilters(fd, chosen, fixed && fixed[0]), dropped = known.length !== chosen.length;
        chosen = known;
        var drawn = update();
        if (dropped) drawn.then(write);
      }, function () { update(); });
    }
  }
})(typeof window !== "undefined" ? window : globalThis);
