from castpub.cli import main

# Guarded: worker processes started by spawn or forkserver import this module without running it.
if __name__ == "__main__":
    main()
