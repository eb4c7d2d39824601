// Per-sample fidelity and interleaved latency of a sentence encoder against its original, on the
// held-out third of its samples (every third subfolder: the samples an optimize --search never sees).
// Usage: dotnet run eng/measure-encoder.cs -- ORIGINAL CANDIDATE SAMPLES THREADS(0: ONNX Runtime default) ROUNDS
// Samples: one subfolder per sentence with input_ids.npy and attention_mask.npy (int64 [1, L]); token_type_ids are zeros.
#:package Microsoft.ML.OnnxRuntime
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

// args: original candidate samplesDir threads(0=default) rounds
string orig = args[0], cand = args[1], dir = args[2];
int threads = int.Parse(args[3]), rounds = int.Parse(args[4]);
var opts = new SessionOptions();
if (threads > 0) opts.IntraOpNumThreads = threads;
using var a = new InferenceSession(orig, opts);
using var b = new InferenceSession(cand, opts);
static long[] ReadNpyI64(string path)
{
    var bytes = File.ReadAllBytes(path);
    int headerLen = BitConverter.ToUInt16(bytes, 8);
    int offset = 10 + headerLen;
    var data = new long[(bytes.Length - offset) / 8];
    Buffer.BlockCopy(bytes, offset, data, 0, data.Length * 8);
    return data;
}
// held out: every third sample (indices 2, 5, 8, ...), which the search never saw
var folders = Directory.GetDirectories(dir).Order(StringComparer.Ordinal).Where((_, i) => i % 3 == 2).ToList();
double worstTok = 1, worstEmb = 1, sumEmb = 0;
string worstName = "";
var inputsPer = new List<List<NamedOnnxValue>>();
foreach (var f in folders)
{
    var ids = ReadNpyI64(Path.Combine(f, "input_ids.npy"));
    var mask = ReadNpyI64(Path.Combine(f, "attention_mask.npy"));
    var tt = new long[ids.Length];
    var inputs = new List<NamedOnnxValue> {
        NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, new[] { 1, ids.Length })),
        NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, new[] { 1, ids.Length })),
        NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(tt, new[] { 1, ids.Length })) };
    inputsPer.Add(inputs);
    using var ra = a.Run(inputs);
    using var rb = b.Run(inputs);
    var ha = ra.First(r => r.Name == "last_hidden_state").AsEnumerable<float>().ToArray();
    var hb = rb.First(r => r.Name == "last_hidden_state").AsEnumerable<float>().ToArray();
    int d = ha.Length / ids.Length;
    double Cos(float[] x, float[] y) { double xy = 0, xx = 0, yy = 0; for (int i = 0; i < x.Length; i++) { xy += x[i] * y[i]; xx += x[i] * x[i]; yy += y[i] * y[i]; } return xy / Math.Sqrt(xx * yy); }
    float[] Pool(float[] h) { var e = new float[d]; int n = 0; for (int t = 0; t < ids.Length; t++) if (mask[t] == 1) { n++; for (int j = 0; j < d; j++) e[j] += h[t * d + j]; } for (int j = 0; j < d; j++) e[j] /= n; return e; }
    double tok = Cos(ha, hb), emb = Cos(Pool(ha), Pool(hb));
    sumEmb += emb;
    if (emb < worstEmb) { worstEmb = emb; worstName = Path.GetFileName(f); }
    worstTok = Math.Min(worstTok, tok);
}
Console.WriteLine($"held-out sentences: {folders.Count}; mean-pooled embedding cosine: worst {worstEmb:0.#####} (sample {worstName}), mean {sumEmb / folders.Count:0.#####}; last_hidden_state (all 64 tokens) worst per-sample cosine {worstTok:0.#####}");
// interleaved timing over the held-out inputs
foreach (var i in inputsPer) { a.Run(i).Dispose(); b.Run(i).Dispose(); }
var ta = new List<double>(); var tb = new List<double>();
for (int r = 0; r < rounds; r++)
{
    var inp = inputsPer[r % inputsPer.Count];
    var sw = Stopwatch.StartNew(); if (r % 2 == 0) { a.Run(inp).Dispose(); ta.Add(sw.Elapsed.TotalMilliseconds); sw.Restart(); b.Run(inp).Dispose(); tb.Add(sw.Elapsed.TotalMilliseconds); }
    else { b.Run(inp).Dispose(); tb.Add(sw.Elapsed.TotalMilliseconds); sw.Restart(); a.Run(inp).Dispose(); ta.Add(sw.Elapsed.TotalMilliseconds); }
}
double Med(List<double> x) { var s = x.Order().ToList(); return s[s.Count / 2]; }
int won = ta.Zip(tb).Count(p => p.Second < p.First);
Console.WriteLine($"threads {(threads == 0 ? "default" : threads.ToString())}, {rounds} interleaved rounds: original {Med(ta):0.0} ms, candidate {Med(tb):0.0} ms median: {Med(ta) / Med(tb):0.00}x (candidate faster in {won} of {rounds})");
