using System.Text;
using System.Text.RegularExpressions;

namespace ModelOpt.TestSupport;

/// <summary>One fenced code block of a Markdown file: its language tag and text, and where it starts (for messages).</summary>
public sealed record FencedBlock(string File, int Line, string Language, string Text);

/// <summary>
/// Reads what the documentation tells users to type — fenced shell commands, the <c>run:</c> steps of a
/// fenced GitHub Actions workflow, <c>OnnxModel</c> items of fenced XML — so tests can run exactly
/// that, and a change to the docs is covered without touching the tests.
/// </summary>
public static partial class DocSnippets
{
    /// <summary>The documents whose commands and snippets must work on the shipped seed model.</summary>
    public static IReadOnlyList<string> UserDocs { get; } = ["README.md", "docs/msbuild.md", "docs/ci.md"];

    public static IReadOnlyList<FencedBlock> Blocks(string relativePath)
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, relativePath));
        var blocks = new List<FencedBlock>();
        for (int i = 0; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success) continue;
            var text = new StringBuilder();
            int start = i + 1;
            for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++) text.AppendLine(lines[i]);
            blocks.Add(new FencedBlock(relativePath, start, open.Groups[1].Value, text.ToString()));
        }
        return blocks;
    }

    /// <summary>
    /// Every command line of the document, in order: the lines of <c>sh</c>/<c>bash</c>/<c>shell</c> blocks
    /// (comments and blanks dropped) and the <c>run:</c> steps of <c>yaml</c> blocks (a folded <c>run: &gt;</c>
    /// joined into one line, as YAML reads it).
    /// </summary>
    public static IReadOnlyList<(FencedBlock Block, string Command)> Commands(string relativePath)
    {
        var commands = new List<(FencedBlock, string)>();
        foreach (var block in Blocks(relativePath))
        {
            string[] lines = block.Text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            if (block.Language is "sh" or "bash" or "shell")
            {
                foreach (var line in lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
                    commands.Add((block, line));
            }
            else if (block.Language is "yaml" or "yml")
            {
                for (int i = 0; i < lines.Length; i++)
                {
                    var run = RunStep().Match(lines[i]);
                    if (!run.Success) continue;
                    if (run.Groups[2].Value is not (">" or "|" or ">-" or "|-"))
                    {
                        commands.Add((block, run.Groups[2].Value.Trim()));
                        continue;
                    }
                    int indent = run.Groups[1].Value.Length;
                    var folded = new List<string>();
                    while (i + 1 < lines.Length && (lines[i + 1].Trim().Length == 0 || lines[i + 1].Length - lines[i + 1].TrimStart().Length > indent))
                        folded.Add(lines[++i].Trim());
                    commands.Add((block, string.Join(' ', folded.Where(l => l.Length > 0))));
                }
            }
        }
        return commands;
    }

    /// <summary>The <c>OnnxModel</c> and <c>ModelOpt*</c> property elements of the document's <c>xml</c> blocks, including commented-out ones (they are examples too).</summary>
    public static IReadOnlyList<(FencedBlock Block, string Element)> MsBuildElements(string relativePath)
    {
        var found = new List<(FencedBlock, string)>();
        foreach (var block in Blocks(relativePath).Where(b => b.Language == "xml"))
            foreach (Match m in MsBuildElement().Matches(block.Text)) found.Add((block, m.Value));
        return found;
    }

    /// <summary>Splits a command line as a POSIX shell would for the simple cases docs use: blanks separate, quotes group, <c>$VAR</c> from <paramref name="variables"/>.</summary>
    public static IReadOnlyList<string> SplitArguments(string command, IReadOnlyDictionary<string, string> variables)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        bool inArg = false;
        char quote = '\0';
        for (int i = 0; i < command.Length; i++)
        {
            char c = command[i];
            if (quote == '\'' && c != '\'') { current.Append(c); continue; }
            if (c == '$' && quote != '\'' && Variable().Match(command, i) is { Success: true } v && v.Index == i)
            {
                string name = v.Groups[1].Value + v.Groups[2].Value;
                current.Append(variables.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"the command uses ${name}, which the test does not define: {command}"));
                inArg = true;
                i += v.Length - 1;
                continue;
            }
            if (c is '"' or '\'')
            {
                if (quote == c) quote = '\0';
                else if (quote == '\0') quote = c;
                else current.Append(c);
                inArg = true;
                continue;
            }
            if (char.IsWhiteSpace(c) && quote == '\0')
            {
                if (inArg) args.Add(current.ToString());
                current.Clear();
                inArg = false;
                continue;
            }
            current.Append(c);
            inArg = true;
        }
        if (inArg) args.Add(current.ToString());
        return args;
    }

    [GeneratedRegex(@"^\s*```(\w*)\s*$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^(\s*)(?:-\s+)?run:\s*(.*)$")]
    private static partial Regex RunStep();

    [GeneratedRegex(@"<OnnxModel\b[^>]*/>|<ModelOpt\w+>[^<]*</ModelOpt\w+>")]
    private static partial Regex MsBuildElement();

    [GeneratedRegex(@"\$(?:\{(\w+)\}|(\w+))")]
    private static partial Regex Variable();
}
