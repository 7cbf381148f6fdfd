"""Writing the numbers down: Markdown tables, sentences, figures and the findings page, from
the tables the analysis wrote; nothing here computes a number a table does not hold."""
