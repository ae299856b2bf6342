using System.Diagnostics;
using ModelMerge.Formats.Recipes;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>
/// Damaged recipes: thousands of seeded random edits of the example recipes (characters and
/// lines deleted, duplicated, swapped, YAML punctuation inserted). Whatever the result, reading
/// either succeeds or throws a <see cref="RecipeException"/>, and promptly.
/// </summary>
public sealed class RecipeMutationTests
{
    private const string Punctuation = ":-[]{},&*!|>'\"#%@`?\t\n ~.0123456789+";

    public static TheoryData<int> Seeds => new() { 1, 2, 3, 4 };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Mutated_recipes_either_read_or_are_refused_with_a_recipe_exception(int seed)
    {
        var random = new Random(seed);
        var slowest = TimeSpan.Zero;
        int read = 0, refused = 0;
        for (int i = 0; i < 1000; i++)
        {
            string original = ExampleRecipes.All[random.Next(ExampleRecipes.All.Count)];
            string mutated = original;
            int edits = 1 + random.Next(4);
            for (int e = 0; e < edits; e++) mutated = Mutate(mutated, random);

            var stopwatch = Stopwatch.StartNew();
            try
            {
                MergeRecipe.Parse(mutated, "mutated.yml", strict: (i & 1) == 1);
                read++;
            }
            catch (RecipeException ex)
            {
                Assert.StartsWith("mutated.yml", ex.Message);
                Assert.False(string.IsNullOrWhiteSpace(ex.ErrorId));
                refused++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}, case {i}: {ex.GetType().Name}: {ex.Message}\n--- input ---\n{mutated}");
            }
            if (stopwatch.Elapsed > slowest) slowest = stopwatch.Elapsed;
        }

        Assert.True(slowest < TimeSpan.FromSeconds(5), $"slowest parse took {slowest}");
        Assert.True(read > 0 && refused > 0, $"read {read}, refused {refused}: the mutations should produce both");
    }

    private static string Mutate(string text, Random random)
    {
        if (text.Length == 0) return Punctuation[random.Next(Punctuation.Length)].ToString();
        int at = random.Next(text.Length);
        var lines = text.Split('\n');
        int line = random.Next(lines.Length), other = random.Next(lines.Length);
        switch (random.Next(8))
        {
            case 0: return text.Remove(at, 1);
            case 1: return text.Insert(at, text[at].ToString());
            case 2:
                if (at + 1 >= text.Length) return text;
                var chars = text.ToCharArray();
                (chars[at], chars[at + 1]) = (chars[at + 1], chars[at]);
                return new string(chars);
            case 3: return text.Insert(at, Punctuation[random.Next(Punctuation.Length)].ToString());
            case 4: return text.Remove(at, 1).Insert(at, Punctuation[random.Next(Punctuation.Length)].ToString());
            case 5: return string.Join('\n', lines.Where((_, i) => i != line));
            case 6: return string.Join('\n', lines.Take(line + 1).Append(lines[line]).Concat(lines.Skip(line + 1)));
            default:
                (lines[line], lines[other]) = (lines[other], lines[line]);
                return string.Join('\n', lines);
        }
    }
}
