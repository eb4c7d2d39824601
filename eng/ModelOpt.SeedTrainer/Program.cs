using System.Diagnostics;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;

namespace ModelOpt.SeedTrainer;

/// <summary>
/// Trains one of the MNIST networks and writes testassets/models/NAME.onnx plus its held-out samples.
/// Usage: <c>dotnet run --project eng/ModelOpt.SeedTrainer -c Release -- --mnist DIR --out testassets/models [--network seed-cnn|lenet5] [--epochs N]</c>
/// where DIR is the folder eng/fetch-mnist.sh prints.
/// </summary>
internal static class Program
{
    private const int HeldOutCount = 2000;

    public static int Main(string[] args)
    {
        string? mnist = null, output = null;
        string network = "seed-cnn";
        var options = new TrainingOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--mnist": mnist = Next(); break;
                case "--out": output = Next(); break;
                case "--network": network = Next(); break;
                case "--epochs": options = options with { Epochs = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) }; break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'");
                    return Usage();
            }
        }
        if (mnist is null || output is null) return Usage();

        try
        {
            return network switch
            {
                "seed-cnn" => Train(new SeedCnnNetwork(), mnist, output, options),
                "lenet5" => Train(new LeNet5Network(), mnist, output, options),
                _ => Usage($"unknown network '{network}'"),
            };
        }
        catch (ModelOptException e)
        {
            Console.Error.WriteLine(e.ToString());
            return e.ExitCode;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static int Train<TParameters>(IDigitNetwork<TParameters> network, string mnist, string output, TrainingOptions options)
        where TParameters : ParameterSet
    {
        var clock = Stopwatch.StartNew();
        var digits = MnistDigits.Load(mnist);
        // The split depends only on the seed, so every network is held out on the same 2,000 digits.
        var (train, heldOut) = DatasetSplit.Stratified(digits, HeldOutCount, options.Seed);
        Console.WriteLine($"loaded {digits.Count} digits from {mnist} in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var (layer, flops) in network.Flops) Console.WriteLine($"  {layer}: {flops:N0} FLOPs per image");

        var trainer = new DigitTrainer<TParameters>(network, options, Console.Out);
        var parameters = trainer.Train(train, heldOut);
        double accuracy = trainer.Accuracy(parameters, heldOut);

        string modelPath = Path.Combine(output, $"{network.Name}.onnx");
        ModelWriter.Save(network.ToModel(parameters), modelPath);
        string samples = Path.Combine(output, $"{network.Name}.samples");
        NpyFile.Write(Path.Combine(samples, "input.npy"), [heldOut.Count, 1, MnistDigits.Side, MnistDigits.Side], heldOut.SelectMany(d => d.Pixels).ToArray());
        NpyFile.Write(Path.Combine(samples, "labels.npy"), [heldOut.Count], heldOut.Select(d => (long)d.Label).ToArray());

        Console.WriteLine($"final held-out accuracy: {accuracy:P2} ({heldOut.Count} digits)");
        Console.WriteLine($"wrote {modelPath} and {samples}/input.npy, labels.npy in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    private static int Usage(string? problem = null)
    {
        if (problem is not null) Console.Error.WriteLine(problem);
        Console.Error.WriteLine("usage: ModelOpt.SeedTrainer --mnist <folder with 0.json … 9.json> --out <folder> [--network seed-cnn|lenet5] [--epochs N]");
        Console.Error.WriteLine("       (eng/fetch-mnist.sh downloads the digits and prints the folder)");
        return 2;
    }
}
