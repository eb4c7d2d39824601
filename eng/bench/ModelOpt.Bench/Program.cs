namespace ModelOpt.Bench;

/// <summary>Entry point: <c>dotnet run -c Release --project eng/bench/ModelOpt.Bench -- COMMAND [options]</c>.</summary>
internal static class Program
{
    private static readonly Dictionary<string, (string Help, Func<string[], int> Run)> Commands = new(StringComparer.Ordinal)
    {
        ["corpus"] = ("speech corpus (Silero VAD, openWakeWord): MACs, each pass's result, cosine on real audio, latency at default and 1 thread (corpus [--runs 200])", CorpusBenchmark.Run),
        ["isnet"] = ("ISNet fp16 vs fp32 vs static int8 vs the publisher's int8: latency at default and 1 thread, mask cosine on held-out photos, ORT profile (isnet [--runs 3] [--runs-1thread 3] [--calibration 4] [--judge 8] [--config JSON] [--only fp32,int8,publisher] [--int8-model PATH: judge this model as the int8 one] [--no-profile] [--write-side N:PATH] [--side N: explore at N×N on PHOTO_SIDE=N photos])", IsnetBenchmark.Run),
        ["io"] = ("load/save throughput and peak memory against bare Google.Protobuf (io [--size-mb 300] [--rounds 5])", IoBenchmark.Run),
        ["analyze"] = ("engine time of analyze (load + shapes + cost) on the PP-OCR models (analyze [--rounds 9])", AnalyzeBenchmark.Run),
        ["passes"] = ("FLOPs and interleaved ORT latency after each pass, flagging FLOP cuts that save no time (passes [--network det|resnet50] [--passes freeze,separable,prune] [--side 640] [--runs 15])", PassStepsBenchmark.Run),
        ["prune"] = ("separable + prune on generated ResNet-50: pass time, MACs and ORT latency before/after (prune [--ratio-percent 50] [--runs 20] [--passes separable,prune] [--network resnet50|mobilenetv2])", PruneBenchmark.Run),
        ["quantize"] = ("static int8 on seed CNN, PP-OCRv4 det, ResNet-50: speed-up, cosine, accuracy, size (quantize [--config JSON] [--runs 15] [--det-size 640] [--only seed,det,resnet50])", QuantizeBenchmark.Run),
        ["quantize-diag"] = ("where static int8 loses fidelity/speed on PP-OCRv4 det (quantize-diag [--det-size 320] [--samples 4] [--config JSON] [--sweep])", QuantizeDiagnosis.Run),
        ["rec"] = ("PP-OCRv4 rec int8 on real text lines (eng/fetch-pages.sh rec48): lines read as fp32 reads them, CTC frames kept, CER, speed at default and 1 thread (rec [--calibration 32] [--config JSON] [--runs 30] [--model M: judge M, e.g. written by optimize --search, instead of quantizing])", RecBenchmark.Run),
        ["cholesky"] = ("refit's normal-equation solve at 2,881 unknowns: MathNet's Cholesky vs CholeskySolver, interleaved (cholesky [--unknowns 2881] [--outputs 128] [--rounds 5])", CholeskyBenchmark.Run),
        ["refit"] = ("seed CNN accuracy after separable / fc1 pruning, without and with refit (refit [--calibration 500])", RefitBenchmark.Run),
        ["size"] = ("fp32 vs fp16 vs share-weights 8-bit: size, cosine, seed accuracy, latency (size [--runs 20])", SizeBenchmark.Run),
        ["validate"] = ("validation harness overhead over ONNX Runtime on PP-OCRv4 det (validate [--samples 200] [--side 320])", ValidateBenchmark.Run),
        ["memory"] = ("peak memory of calibration with 4/16/64 real samples, det 640² and ISNet 1024², a fresh process each (memory [--models det,isnet] [--samples 4,16,64] [--cap 2GiB] [--modes all,quantize])", CalibrationMemoryBenchmark.Run),
        ["memory-breakdown"] = ("where one calibration sample's memory goes with every value exposed: model, serialized copy, session, run, copies (memory-breakdown [--model isnet|det] [--fp32])", CalibrationMemoryBreakdown.Run),
        ["memory-estimate"] = ("the memory estimate against the measured peak RSS, validation and calibration at batch sizes 1..k, det/rec/ISNet/generated NHWC, a fresh process each (memory-estimate [--models det,rec,nhwc,isnet] [--modes validate,calibrate] [--batches 1,4] [--samples 8])", MemoryEstimateBenchmark.Run),
        ["kernels"] = ("any model and its rewrites on its samples: ops ORT runs after fusion, kernel time per op, per-sample cosine on held-out samples, interleaved latency at default and 1 thread (kernels --models ORIG,REWRITE[,…] --data DIR [--judge-from N] [--runs 15] [--seconds 60] [--no-profile])", KernelsBenchmark.Run),
        ["trial-time"] = ("where one search trial's time goes (build with calibration, validation, latency probe) against running both models on the samples (trial-time --model M --data DIR [--calibration 3] [--samples 3])", TrialTimeBenchmark.Run),
        [MemoryEstimateBenchmark.ChildCommand] = ("(internal) one measured run in a fresh process", MemoryEstimateBenchmark.RunChild),
        [CalibrationMemoryBenchmark.ChildCommand] = ("(internal) one calibration in a fresh process", CalibrationMemoryBenchmark.RunChild),
        [IoBenchmark.ChildCommand] = ("(internal) one measured load/save in a fresh process", IoBenchmark.RunChild),
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Commands.TryGetValue(args[0], out var command))
        {
            Console.Error.WriteLine("usage: ModelOpt.Bench COMMAND [options]");
            foreach (var (name, (help, _)) in Commands.Where(c => !c.Key.StartsWith('_')))
                Console.Error.WriteLine($"  {name,-6} {help}");
            return 2;
        }
        return command.Run(args[1..]);
    }
}
