//! A generated site of N cases for the build benchmark (`bench/build.sh`) and its CI test
//! (`tests/bench_site.rs`): Chinese text cut from the corpus's prose (`../shared/corpus/raw`, or a
//! built-in word list when the corpus is missing), full front matter over the sample framework,
//! cover and body images, links between cases. Deterministic for a seed. Optionally the same case
//! files in Hugo's layout with minimal templates, so that the comparison can be rerun.
#![allow(dead_code)]

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub struct Options {
    pub cases: usize,
    pub seed: u64,
    /// Also write `hugo/`: the same case files under `hugo/content/cases/` with minimal layouts.
    pub hugo: bool,
}

/// What was written.
pub struct Generated {
    pub cases: usize,
    pub bytes: u64,
    /// Whether the text came from the corpus (else from the built-in word list).
    pub corpus: bool,
}

/// A tiny deterministic random number generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// Skewed towards the start of `items` (a few popular tags, a long tail).
    pub fn skewed<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let a = self.below(items.len());
        let b = self.below(items.len());
        &items[a.min(b)]
    }
}

const ENTERPRISES: [&str; 12] = [
    "华南建工集团",
    "珠江能源集团",
    "南粤水务集团",
    "岭南交通投资集团",
    "粤海装备制造公司",
    "广信通信公司",
    "湾区港务集团",
    "东江环保集团",
    "西江航运集团",
    "韩江电力公司",
    "北江城建集团",
    "粤北矿业集团",
];
const REGIONS: [&str; 12] =
    ["广州", "深圳", "佛山", "东莞", "珠海", "惠州", "中山", "江门", "肇庆", "汕头", "湛江", "韶关"];
const UNITS: [&str; 12] = [
    "项目部党支部",
    "运维班组",
    "车间党支部",
    "客户服务中心",
    "调度指挥中心",
    "检修班",
    "营业厅",
    "泵站党小组",
    "收费站",
    "创新工作室",
    "施工队",
    "监测站",
];
const BRANDS: [&str; 10] = [
    "红色引擎",
    "先锋工程",
    "党建+安全",
    "一线攻坚",
    "双培养",
    "三亮三比",
    "红旗班组",
    "金牌服务",
    "绿色先锋",
    "数字先锋",
];
const TOPICS: [&str; 10] = [
    "安全生产",
    "技术攻关",
    "服务提升",
    "降本增效",
    "绿色低碳",
    "数字化转型",
    "人才培养",
    "志愿服务",
    "质量管理",
    "应急保障",
];
const TAGS: [&str; 30] = [
    "安全生产",
    "党员先锋岗",
    "创新工作室",
    "数字化",
    "标准化建设",
    "志愿服务",
    "降本增效",
    "人才培养",
    "绿色低碳",
    "客户服务",
    "应急抢修",
    "技能比武",
    "师带徒",
    "质量攻关",
    "网格化管理",
    "智慧工地",
    "乡村振兴",
    "节能减排",
    "廉洁风险防控",
    "群众评议",
    "积分管理",
    "班组建设",
    "品牌创建",
    "联建共建",
    "青年突击队",
    "科技创新",
    "服务窗口",
    "文明创建",
    "设备运维",
    "工匠精神",
];
/// The sample framework's ids (`exemplar.yaml`), also used by the search tests' synthetic sites.
pub const STATUSES: [&str; 5] = ["planned", "building", "accepted", "named", "revoked"];
pub const ACTIONS: [&str; 4] = ["soul", "empower", "quality", "safeguard"];
pub const DIMENSIONS: [&str; 6] = ["organization", "team", "activities", "style", "performance", "evaluation"];
pub const INDICATORS: [&str; 6] =
    ["political_leadership", "development", "innovation", "cohesion", "central_work", "public_rating"];
const IMAGES: [&str; 4] = ["banner-energy.png", "banner-safety.png", "banner-water.png", "studio-workflow.png"];
/// Folders the cases are spread over (`content/g00/` …), as a large site would be organised.
const FOLDERS: usize = 20;

/// The case file of case `i`, relative to `content/`.
pub fn case_file(i: usize) -> String {
    format!("g{:02}/c{i:05}.md", i % FOLDERS)
}

fn corpus_dir(repo: &Path) -> PathBuf {
    repo.join("../shared/corpus/raw")
}

/// Markdown and HTML syntax is dropped, link targets too: what is left is plain prose.
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ']' && chars.peek() == Some(&'(') {
            // Skip a link's target.
            for d in chars.by_ref() {
                if d == ')' {
                    break;
                }
            }
            continue;
        }
        if !"[]`*<>{}|#!\\_~$&^".contains(c) && !c.is_control() {
            out.push(c);
        }
    }
    out.trim().to_owned()
}

/// Paragraphs of Chinese prose: from the corpus when it is there, else made from a word list.
fn paragraphs(repo: &Path) -> (Vec<String>, bool) {
    let raw = corpus_dir(repo);
    let mut files: Vec<PathBuf> = walk(&raw).into_iter().filter(|p| p.extension().is_some_and(|x| x == "md")).collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = fs::read_to_string(&path).unwrap_or_default();
        let mut in_code = false;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            let han = line.chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).count();
            if in_code || han < 30 || han * 2 < line.chars().count() || line.starts_with(['|', '<', '{', '-', '>']) {
                continue;
            }
            let text = plain(line);
            if text.chars().count() >= 30 {
                out.push(text);
            }
        }
    }
    if out.len() >= 200 {
        return (out, true);
    }
    // No corpus: sentences from a word list.
    const SUBJECTS: [&str; 8] = ["支部", "党员", "班组", "项目部", "工作室", "青年突击队", "技术骨干", "服务团队"];
    const VERBS: [&str; 8] = ["坚持", "围绕", "聚焦", "推行", "建立", "完善", "深化", "探索"];
    const OBJECTS: [&str; 8] = [
        "安全责任清单",
        "党员积分制度",
        "技术攻关机制",
        "服务标准体系",
        "隐患排查流程",
        "师带徒培养计划",
        "群众评议制度",
        "数字化管理平台",
    ];
    const RESULTS: [&str; 6] =
        ["取得明显成效", "得到群众认可", "形成可复制经验", "带动整体提升", "降低运行成本", "提高工作效率"];
    let mut rng = Rng::new(1);
    for _ in 0..2000 {
        let mut p = String::new();
        for _ in 0..3 + rng.below(4) {
            p.push_str(&format!(
                "{}{}{}，{}，{}。",
                rng.pick(&SUBJECTS),
                rng.pick(&VERBS),
                rng.pick(&OBJECTS),
                rng.pick(&TOPICS),
                rng.pick(&RESULTS)
            ));
        }
        out.push(p);
    }
    (out, false)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// A YAML scalar: JSON strings are valid YAML, so escaping is serde_json's.
fn q(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn sentences(text: &str) -> Vec<&str> {
    text.split(['。', '；', '！', '？']).map(str::trim).filter(|s| s.chars().count() >= 6).collect()
}

struct Ctx<'a> {
    paragraphs: &'a [String],
    n: usize,
}

/// One case file: front matter and body.
fn case_text(i: usize, rng: &mut Rng, ctx: &Ctx) -> String {
    let p = ctx.paragraphs;
    let enterprise = *rng.skewed(&ENTERPRISES);
    let region = *rng.pick(&REGIONS);
    let unit = *rng.pick(&UNITS);
    let brand = *rng.pick(&BRANDS);
    let topic = *rng.pick(&TOPICS);
    let title = format!("{region}{unit}以“{brand}”推动{topic}（{i}）");
    let site = format!("{region}{unit}{}号示范点", i % 97 + 1);
    let status = match rng.below(100) {
        0..10 => STATUSES[0],
        10..25 => STATUSES[1],
        25..40 => STATUSES[2],
        40..92 => STATUSES[3],
        _ => STATUSES[4],
    };
    let stage_count = STATUSES.iter().position(|s| *s == status).unwrap_or(0) + 1;
    let year = 2018 + rng.below(7) as u32;
    let (month, day) = (1 + rng.below(12), 1 + rng.below(28));
    let mut f = String::with_capacity(4096);
    f.push_str("---\n");
    f.push_str(&format!("title: {}\n", q(&title)));
    f.push_str(&format!("site: {}\n", q(&site)));
    f.push_str(&format!("enterprise: {}\n", q(enterprise)));
    f.push_str(&format!("unit: {}\n", q(&format!("{}{unit}", &enterprise[..6]))));
    f.push_str(&format!("region: {}\n", q(&format!("广东省{region}市"))));
    f.push_str(&format!("status: {status}\n"));
    f.push_str(&format!("date: {year}-{month:02}-{day:02}\n"));
    if rng.chance(40) {
        f.push_str(&format!("updated: {}-{:02}-{:02}\n", year + 1, 1 + rng.below(12), 1 + rng.below(28)));
    }
    if rng.chance(2) {
        f.push_str("featured: true\n");
    }
    if rng.chance(30) {
        f.push_str(&format!("cover: ../images/{}\n", rng.pick(&IMAGES)));
    }
    if rng.chance(20) {
        f.push_str(&format!("summary: {}\n", q(&clip(rng.pick(p).as_str(), 90))));
    }
    // The lifecycle, in order, ending at the status (a revoked one says why).
    f.push_str("timeline:\n");
    let stages = STATUSES.iter().take(stage_count).enumerate();
    for (y, (k, stage)) in (year.saturating_sub(2)..).zip(stages) {
        if *stage == "revoked" || k + 1 == stage_count || rng.chance(70) {
            let note = if *stage == "revoked" {
                "年度考核不合格，撤销示范点称号".to_owned()
            } else {
                clip(rng.pick(p).as_str(), 24)
            };
            f.push_str(&format!(
                "  - {{ date: {y}-{:02}-{:02}, stage: {stage}, note: {} }}\n",
                1 + k * 2,
                1 + k,
                q(&note)
            ));
        }
    }
    // Assessments: consecutive quarters ending between 2023-Q1 and 2025-Q2.
    if stage_count >= 3 {
        let count = 1 + rng.below(6);
        let end = 2023 * 4 + rng.below(10);
        f.push_str("assessments:\n");
        let base: Vec<f64> = INDICATORS.iter().map(|_| 65.0 + rng.below(30) as f64).collect();
        for k in 0..count {
            let quarter = end + 1 - count + k;
            f.push_str(&format!("  - period: {}-Q{}\n    scores: {{ ", quarter / 4, quarter % 4 + 1));
            let scores: Vec<String> = INDICATORS
                .iter()
                .zip(&base)
                .map(|(id, b)| {
                    let v = (b + rng.below(9) as f64 - 2.0 + if rng.chance(10) { 0.5 } else { 0.0 }).min(100.0);
                    format!("{id}: {v}")
                })
                .collect();
            f.push_str(&scores.join(", "));
            f.push_str(" }\n");
        }
    }
    let mut actions: Vec<&str> = (0..1 + rng.below(3)).map(|_| *rng.pick(&ACTIONS)).collect();
    actions.sort();
    actions.dedup();
    f.push_str(&format!("actions: [{}]\n", actions.join(", ")));
    let mut tags: Vec<&str> = (0..1 + rng.below(4)).map(|_| *rng.skewed(&TAGS)).collect();
    tags.sort();
    tags.dedup();
    f.push_str(&format!("tags: [{}]\n", tags.join(", ")));
    f.push_str("practices:\n");
    for _ in 0..1 + rng.below(4) {
        let source = rng.pick(p);
        let parts = sentences(source);
        let head = parts.first().copied().unwrap_or("党员带头");
        f.push_str(&format!("  - title: {}\n", q(&clip(head, 18))));
        f.push_str(&format!("    dimension: {}\n", rng.pick(&DIMENSIONS)));
        f.push_str(&format!("    indicators: [{}]\n", rng.pick(&INDICATORS)));
        f.push_str(&format!("    actions: [{}]\n", rng.pick(&ACTIONS)));
        f.push_str(&format!("    summary: {}\n", q(&clip(source, 70))));
        f.push_str("    steps:\n");
        for step in parts.iter().skip(1).take(4) {
            f.push_str(&format!("      - {}\n", q(&clip(step, 40))));
        }
        if parts.len() < 2 {
            f.push_str("      - 每月复盘\n");
        }
    }
    f.push_str("---\n");

    // The body: sections of prose, ~400 to ~3,000 characters; sometimes an image, links to others.
    let target = 400 + rng.below(1200) + rng.below(1400);
    let mut chars = 0;
    let mut start = rng.below(p.len());
    let sections = ["背景", "主要做法", "取得成效", "推广建议"];
    let mut section = 0;
    while chars < target || section < 2 {
        if section < sections.len() && (chars >= target * section / 4) {
            f.push_str(&format!("\n## {}\n\n", sections[section]));
            section += 1;
            if section == 2 {
                f.push_str(&format!("### {}\n\n", clip(rng.pick(p).as_str(), 12)));
            }
        }
        let text = &p[start % p.len()];
        start += 1;
        let text = clip(text, 500);
        chars += text.chars().count();
        f.push_str(&text);
        f.push_str("\n\n");
    }
    if rng.chance(15) {
        f.push_str(&format!("![现场照片](../images/{})\n\n", rng.pick(&IMAGES)));
    }
    if ctx.n > 1 && rng.chance(30) {
        let other = (i + 1 + rng.below(ctx.n - 1)) % ctx.n;
        f.push_str(&format!("同类做法可参见[相关案例](../{})。\n\n", case_file(other)));
    }
    if rng.chance(20) {
        f.push_str("- 党员带头\n- 群众参与\n- 定期复盘\n");
    }
    f
}

const HUGO_CONFIG: &str = r#"baseURL = "http://localhost/"
title = "bench"
languageCode = "zh-CN"
hasCJKLanguage = true
disableKinds = ["RSS", "sitemap", "robotsTXT"]
[pagination]
  pagerSize = 12
paginate = 12
[taxonomies]
  tag = "tags"
  enterprise = "enterprise"
[markup.goldmark.renderer]
  unsafe = false
"#;
const HUGO_LAYOUTS: [(&str, &str); 5] = [
    (
        "_default/baseof.html",
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head>\
         <body>{{ block \"main\" . }}{{ end }}</body></html>\n",
    ),
    (
        "_default/single.html",
        "{{ define \"main\" }}<h1>{{ .Title }}</h1><p>{{ .Params.site }} · {{ .Params.enterprise }} · \
         {{ .Date.Format \"2006-01-02\" }}</p><ul>{{ range .Params.tags }}<li>{{ . }}</li>{{ end }}</ul>\
         {{ .Content }}{{ end }}\n",
    ),
    (
        "_default/list.html",
        "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ $p := .Paginate .Pages }}<ul>{{ range $p.Pages }}\
         <li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a> {{ .Summary }}</li>{{ end }}</ul>\
         {{ template \"_internal/pagination.html\" . }}{{ end }}\n",
    ),
    (
        "_default/taxonomy.html",
        "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.ByCount }}\
         <li><a href=\"{{ .Page.RelPermalink }}\">{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}</ul>{{ end }}\n",
    ),
    (
        "_default/term.html",
        "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ $p := .Paginate .Pages }}<ul>{{ range $p.Pages }}\
         <li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>\
         {{ template \"_internal/pagination.html\" . }}{{ end }}\n",
    ),
];

/// Writes a site of `options.cases` cases into `out` (which should be empty): the repository's
/// `exemplar.yaml` and `themes/`, `content/images/`, `content/gNN/cNNNNN.md`.
pub fn generate(repo: &Path, out: &Path, options: &Options) -> io::Result<Generated> {
    let (paragraphs, corpus) = paragraphs(repo);
    fs::create_dir_all(out.join("content/images"))?;
    fs::copy(repo.join("exemplar.yaml"), out.join("exemplar.yaml"))?;
    copy_dir(&repo.join("themes"), &out.join("themes"))?;
    for image in IMAGES {
        fs::copy(repo.join("content/images").join(image), out.join("content/images").join(image))?;
    }
    let hugo = out.join("hugo");
    if options.hugo {
        fs::write(hugo_dir(&hugo, "hugo.toml")?, HUGO_CONFIG)?;
        for (name, text) in HUGO_LAYOUTS {
            fs::write(hugo_dir(&hugo, &format!("layouts/{name}"))?, text)?;
        }
        for image in IMAGES {
            fs::copy(
                repo.join("content/images").join(image),
                hugo_dir(&hugo, &format!("content/cases/images/{image}"))?,
            )?;
        }
    }
    for g in 0..FOLDERS.min(options.cases) {
        fs::create_dir_all(out.join(format!("content/g{g:02}")))?;
    }
    let ctx = Ctx { paragraphs: &paragraphs, n: options.cases };
    let mut rng = Rng::new(options.seed);
    let mut bytes = 0;
    for i in 0..options.cases {
        let text = case_text(i, &mut rng, &ctx);
        bytes += text.len() as u64;
        let rel = case_file(i);
        fs::write(out.join("content").join(&rel), &text)?;
        if options.hugo {
            fs::write(hugo_dir(&hugo, &format!("content/cases/{rel}"))?, &text)?;
        }
    }
    Ok(Generated { cases: options.cases, bytes, corpus })
}

/// `hugo/<rel>`, its folder created.
fn hugo_dir(hugo: &Path, rel: &str) -> io::Result<PathBuf> {
    let path = hugo.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    Ok(path)
}
