using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using ModelMerge.Methods;

namespace ModelMerge.Commands.Infrastructure;

/// <summary>Tab-completes merge method names from the registry, with each method's display name as the tooltip.</summary>
public sealed class MergeMethodCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        MergeMethods.All
            .Where(m => m.Name.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase))
            .Select(m => new CompletionResult(m.Name, m.Name, CompletionResultType.ParameterValue, $"{m.DisplayName}: {m.Parameters.Count} parameter(s)"));
}
