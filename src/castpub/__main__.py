from castpub.cli import main

main()
