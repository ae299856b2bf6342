<#
.SYNOPSIS
    The card's pipeline: TIES-merge two fine-tunes of one base at density 0.2.
.EXAMPLE
    ./examples/card-pipeline.ps1 -Base ./base -FineTuned ./ft1,./ft2 -Output ./merged
#>
param(
    [Parameter(Mandatory)] [string] $Base,
    [Parameter(Mandatory)] [string[]] $FineTuned,
    [Parameter(Mandatory)] [string] $Output,
    [double] $Density = 0.2,
    [switch] $Force
)

if (-not (Get-Module ModelMerge)) { Import-Module ModelMerge -ErrorAction Stop }

Get-Checkpoint $Base |
    Get-TaskVector $FineTuned |
    Invoke-TiesMerge -Density $Density |
    Export-Checkpoint $Output -Force:$Force -PassThru
